/** Fraction and ETA of a stage from its elapsed time (a straight-line estimate, smoothed by the fraction). */
export class StageClock {
  private readonly start: number;
  constructor(private readonly now: () => number = () => performance.now()) {
    this.start = now();
  }

  get seconds(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Seconds left when `fraction` of the work is done; undefined until there is something to go on. */
  eta(fraction: number): number | undefined {
    if (fraction <= 0.01 || fraction >= 1) return fraction >= 1 ? 0 : undefined;
    return (this.seconds * (1 - fraction)) / fraction;
  }
}

/** Thrown (as an AbortError) when a stage sees its signal aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('The reconstruction was cancelled.', 'AbortError');
}

export const isAbort = (err: unknown): boolean => (err as { name?: string })?.name === 'AbortError';
