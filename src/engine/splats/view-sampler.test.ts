import { describe, expect, it } from 'vitest';
import { ViewSampler, type ViewSource } from './view-sampler';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('ViewSampler', () => {
  it('gives the photos their share of the steps and visits every view', () => {
    const sources: ViewSource[] = ['input', ...Array<ViewSource>(10).fill('synthesized'), 'input'];
    const sampler = new ViewSampler(sources, lcg(3), 0.5);
    const counts = new Array(sources.length).fill(0);
    const steps = 4000;
    for (let s = 0; s < steps; s++) counts[sampler.next()]++;
    const inputSteps = counts[0] + counts[11];
    expect(inputSteps / steps).toBeGreaterThan(0.46);
    expect(inputSteps / steps).toBeLessThan(0.54);
    // Without replacement inside a pool: the two photos alternate within each epoch.
    expect(Math.abs(counts[0] - counts[11])).toBeLessThanOrEqual(1);
    for (let i = 1; i <= 10; i++) expect(counts[i]).toBeGreaterThan(150);
  });

  it('uses a single pool when only one kind of view exists', () => {
    const inputs = new ViewSampler(['input', 'input', 'input'], lcg(1));
    const seen = new Set(Array.from({ length: 3 }, () => inputs.next()));
    expect([...seen].sort()).toEqual([0, 1, 2]);
    const synthesizedOnly = new ViewSampler(['synthesized', 'synthesized'], lcg(2));
    const picks = Array.from({ length: 4 }, () => synthesizedOnly.next());
    expect(picks.every((i) => i === 0 || i === 1)).toBe(true);
  });
});
