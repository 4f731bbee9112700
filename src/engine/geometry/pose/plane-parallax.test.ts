import { describe, expect, it } from 'vitest';
import { expSO3, mulVec3 } from './linalg';
import { parallaxConsistent } from './plane-parallax';
import { Rng } from './rng';

/**
 * Two 256×192 views (f = 200) of a table-top scene: most tracks on a tilted plane, fewer on objects
 * in front of it, 0.08 px of noise. Camera j moves sideways and turns a little. Optionally a cluster of
 * wrong off-plane tracks, all pushed the same way across their epipolar lines (T-junctions along one
 * edge of an object), or a scene without a dominant plane.
 */
const f = 200;
const cx = 128;
const cy = 96;
const R = expSO3([0.01, -0.05, 0.02]);
const t = [0.5, 0.05, 0.1];
/** Epipole in image j: K·t. */
const epipole = [(f * t[0]) / t[2] + cx, (f * t[1]) / t[2] + cy];

function scene(options: { cluster?: number; planar?: boolean; seed?: number }) {
  const rng = new Rng(options.seed ?? 7);
  const a: number[] = [];
  const b: number[] = [];
  const add = (u: number, v: number, depth: number) => {
    const x = [((u - cx) / f) * depth, ((v - cy) / f) * depth, depth];
    const y = mulVec3(R, x);
    const p = [y[0] + t[0], y[1] + t[1], y[2] + t[2]];
    a.push(u + 0.08 * rng.gaussian(), v + 0.08 * rng.gaussian());
    b.push((f * p[0]) / p[2] + cx + 0.08 * rng.gaussian(), (f * p[1]) / p[2] + cy + 0.08 * rng.gaussian());
  };
  // Plane Z = 4 + 2·y/f·Z (a table seen obliquely): depth 4 / (1 − 2·(v − cy)/f).
  const planeDepth = (v: number) => 4 / (1 - (0.8 * (v - cy)) / f);
  for (let v = 8; v < 188; v += 9) {
    for (let u = 8; u < 252; u += 9) {
      const depth = options.planar === false ? 2.5 + 2 * rng.uniform(0, 1) : planeDepth(v);
      add(u, v, depth);
    }
  }
  // Objects in front of the plane: scattered over the image.
  const firstOff = a.length / 2;
  for (let k = 0; k < 90; k++)
    add(20 + 216 * rng.uniform(0, 1), 15 + 160 * rng.uniform(0, 1), 2.2 + rng.uniform(0, 1));
  // The wrong cluster: along one object edge, pushed across the epipolar lines by 1–2.5 px.
  const cluster: number[] = [];
  for (let k = 0; k < (options.cluster ?? 0); k++) {
    const q = a.length / 2;
    add(70 + 4 * rng.uniform(0, 1), 80 + 2 * k, 2.5);
    const dx = b[2 * q] - epipole[0];
    const dy = b[2 * q + 1] - epipole[1];
    const n = Math.hypot(dx, dy);
    const push = 1 + (1.5 * k) / Math.max(1, (options.cluster ?? 1) - 1);
    b[2 * q] += (-dy / n) * push;
    b[2 * q + 1] += (dx / n) * push;
    cluster.push(q);
  }
  return { a: Float64Array.from(a), b: Float64Array.from(b), firstOff, cluster };
}

describe('plane-and-parallax consistency of dense tracks', () => {
  it('drops a cluster of off-plane tracks that pulls the epipole, keeps the rest', () => {
    const { a, b, cluster } = scene({ cluster: 12 });
    const r = parallaxConsistent(a, b);
    const keep = new Set(r.keep);
    expect(r.planar).toBe(true);
    console.log(`epipole shift ${r.shift.toFixed(1)} σ, kept ${keep.size}/${a.length / 2}`);
    expect(r.shift).toBeGreaterThan(3);
    for (const q of cluster) expect(keep.has(q)).toBe(false);
    const good = a.length / 2 - cluster.length;
    expect([...keep].filter((q) => !cluster.includes(q)).length).toBeGreaterThan(0.98 * good);
    // The robust epipole is the true one (within a few pixels; it lies ~1000 px away).
    const e = r.epipole!;
    expect(Math.hypot(e[0] / e[2] - epipole[0], e[1] / e[2] - epipole[1])).toBeLessThan(
      0.02 * Math.hypot(epipole[0] - cx, epipole[1] - cy),
    );
  });

  it('keeps everything when nothing disagrees, or without a dominant plane', () => {
    const clean = scene({});
    const r = parallaxConsistent(clean.a, clean.b);
    expect(r.planar).toBe(true);
    expect(r.keep.length).toBe(clean.a.length / 2);
    const general = scene({ planar: false, cluster: 12 });
    const g = parallaxConsistent(general.a, general.b);
    expect(g.planar).toBe(false);
    expect(g.keep.length).toBe(general.a.length / 2);
  });
});
