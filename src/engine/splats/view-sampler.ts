/**
 * Which training view each step uses. The photos get `inputShare` of the steps when synthesized frames
 * exist (drawing uniformly over all views would give 2 photos among 13 frames under a sixth of the
 * steps); within each pool views come without replacement per epoch, as 3DGS does.
 */
export type ViewSource = 'input' | 'synthesized';

export class ViewSampler {
  private readonly pools: Record<ViewSource, number[]> = { input: [], synthesized: [] };
  private readonly order: Record<ViewSource, number[]> = { input: [], synthesized: [] };

  constructor(
    sources: readonly ViewSource[],
    private readonly random: () => number,
    private readonly inputShare = 0.5,
  ) {
    if (sources.length === 0) throw new Error('ViewSampler: no views');
    for (const [i, source] of sources.entries()) this.pools[source].push(i);
  }

  next(): number {
    const { input, synthesized } = this.pools;
    const pool: ViewSource =
      synthesized.length === 0 || (input.length > 0 && this.random() < this.inputShare)
        ? 'input'
        : 'synthesized';
    const order = this.order[pool];
    if (order.length === 0) {
      order.push(...this.pools[pool]);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    return order.pop()!;
  }
}
