import { describe, expect, it } from 'vitest';
import { cameraFromWorld } from '../camera';
import { transformPoint } from '../mat4';
import { makeSyntheticScene, renderView } from '../synthetic';
import { type DensifyPair, densifyMatches } from './densify';
import { estimateCameras } from './estimate';
import { Rng } from './rng';
import { poseErrors } from './test-metrics';
import type { Matches, PoseImage } from './types';

/**
 * Patch tracking on images with an exactly known mapping: a smooth random texture (sum of plane waves
 * below 0.2 cycles a pixel, so sampling it is exact) rendered through x' = s·x + tx, y' = y + ty.
 * Rectified-stereo epipolar geometry (horizontal lines) accepts every true match when ty = 0.
 */
const W = 128;
const H = 96;

function texture(seed: number): (x: number, y: number) => number {
  const rng = new Rng(seed);
  const waves = Array.from({ length: 40 }, () => {
    const f = 0.2 * Math.sqrt(rng.next());
    const a = 2 * Math.PI * rng.next();
    return {
      kx: 2 * Math.PI * f * Math.cos(a),
      ky: 2 * Math.PI * f * Math.sin(a),
      phase: 2 * Math.PI * rng.next(),
      amp: rng.next(),
    };
  });
  return (x, y) => {
    let v = 0;
    for (const w of waves) v += w.amp * Math.sin(w.kx * x + w.ky * y + w.phase);
    return 128 + 14 * v;
  };
}

/** Image whose pixel centre (x + 0.5, y + 0.5) shows the texture at the source point mapped back. */
function render(tex: (x: number, y: number) => number, s: number, tx: number, ty: number): PoseImage {
  const data = new Uint8ClampedArray(4 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = tex((x + 0.5 - tx) / s, y + 0.5 - ty);
      data.set([v, v, v, 255], 4 * (y * W + x));
    }
  }
  return { width: W, height: H, data };
}

/** Seed matches of the true mapping on a coarse grid, as the matcher would give them. */
function seedPair(i: number, j: number, map: (x: number, y: number) => [number, number]): DensifyPair {
  const a: number[] = [];
  const b: number[] = [];
  for (let y = 12; y < H - 8; y += 16) {
    for (let x = 12; x < W - 8; x += 16) {
      const q = map(x, y);
      a.push(x, y);
      b.push(q[0], q[1]);
    }
  }
  return {
    i,
    j,
    a: Float64Array.from(a),
    b: Float64Array.from(b),
    verified: Int32Array.from({ length: a.length / 2 }, (_, k) => k),
    // x_bᵀ·F·x_a = y_a − y_b: rows must agree.
    fundamental: Float64Array.of(0, 0, 0, 0, 0, -1, 0, 1, 0),
  };
}

describe('densifyMatches', () => {
  it('tracks corners to a few hundredths of a pixel under a sub-pixel shift and stretch', () => {
    const tex = texture(7);
    const [s, tx] = [1.04, 2.37];
    const map = (x: number, y: number): [number, number] => [s * x + tx, y];
    const images = [render(tex, 1, 0, 0), render(tex, s, tx, 0)];
    const [dense] = densifyMatches(images, [seedPair(0, 1, map)], { thresholdPx: 2 });
    const n = dense.track.length;
    // A textured image: most of the 6-px cells (22 × 16 at 128×96) give a tracked corner.
    expect(n).toBeGreaterThan(150);
    const errors: number[] = [];
    for (let k = 0; k < n; k++) {
      const q = map(dense.a[2 * k], dense.a[2 * k + 1]);
      errors.push(Math.hypot(dense.b[2 * k] - q[0], dense.b[2 * k + 1] - q[1]));
    }
    errors.sort((x, y) => x - y);
    console.info(
      `${n} tracks, error median ${errors[n >> 1].toFixed(4)} px, max ${errors[n - 1].toFixed(4)} px`,
    );
    expect(errors[n >> 1]).toBeLessThan(0.03);
    expect(errors[n - 1]).toBeLessThan(0.15);
  });

  it('drops points that break the epipolar constraint, and photos that do not match', () => {
    const tex = texture(8);
    // The second photo is shifted 4 px down: the horizontal-line F of the pair rejects every match.
    const shifted = [render(tex, 1, 0, 0), render(tex, 1, 1.5, 4)];
    const down = seedPair(0, 1, (x, y) => [x + 1.5, y + 4]);
    expect(densifyMatches(shifted, [down], { thresholdPx: 2 })[0].track.length).toBe(0);
    // An unrelated texture: the patches do not correlate.
    const other = [render(tex, 1, 0, 0), render(texture(9), 1, 1.5, 0)];
    const flat = seedPair(0, 1, (x, y) => [x + 1.5, y]);
    expect(densifyMatches(other, [flat], { thresholdPx: 2 })[0].track.length).toBeLessThan(5);
    // A pair without a fundamental matrix is left alone.
    expect(
      densifyMatches(shifted, [{ ...flat, fundamental: null }], { thresholdPx: 2 })[0].track.length,
    ).toBe(0);
  });

  it('follows one corner into several photos: the pairs share track ids and agree', () => {
    const tex = texture(10);
    const shifts = [0, 1.7, 3.9];
    const images = shifts.map((t) => render(tex, 1, t, 0));
    const pairs = [
      seedPair(0, 1, (x, y) => [x + shifts[1], y]),
      seedPair(0, 2, (x, y) => [x + shifts[2], y]),
      seedPair(1, 2, (x, y) => [x + shifts[2] - shifts[1], y]),
    ];
    const dense = densifyMatches(images, pairs, { thresholdPx: 2 });
    for (const d of dense) expect(d.track.length).toBeGreaterThan(100);
    // Where a track is seen in view 0 and both others, its 1–2 match is the composition of 0–1 and 0–2.
    const at = (d: (typeof dense)[number], view: 'a' | 'b') => {
      const m = new Map<number, [number, number]>();
      d.track.forEach((t, k) => {
        m.set(t, [d[view][2 * k], d[view][2 * k + 1]]);
      });
      return m;
    };
    const in1 = at(dense[0], 'b');
    const in2 = at(dense[1], 'b');
    const pair12a = at(dense[2], 'a');
    const pair12b = at(dense[2], 'b');
    let checked = 0;
    for (const [t, p1] of in1) {
      const p2 = in2.get(t);
      if (!p2 || !pair12a.has(t)) continue;
      expect(pair12a.get(t)).toEqual(p1);
      expect(pair12b.get(t)).toEqual(p2);
      expect(Math.abs(p2[0] - p1[0] - (shifts[2] - shifts[1]))).toBeLessThan(0.1);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // One surface point, one track: ids are unique within each pair.
    for (const d of dense) expect(new Set(d.track).size).toBe(d.track.length);
  });
});

describe('estimateCameras with the photos', () => {
  it('converging cameras (tabletop seed 1, 3 views, no EXIF): sparse matcher-like matches + densification meet the gates', () => {
    const s = makeSyntheticScene({ preset: 'tabletop', seed: 1, views: 3, width: 256, height: 192 });
    const renders = s.cameras.map((c) => renderView(s.scene, c));
    // Sparse matches like the feature matcher's: ~60 surface points a photo seen by the others, 0.35 px
    // of noise and a tenth of them 1–2 px off (DoG centres that moved with the viewpoint).
    const rng = new Rng(5);
    const tracks: ([number, number] | null)[][] = [];
    for (let k = 0; k < 180; k++) {
      const src = k % 3;
      const c0 = s.cameras[src];
      const [u, v] = [rng.uniform(8, 248), rng.uniform(8, 184)];
      const z = renders[src].depth[Math.floor(v) * 256 + Math.floor(u)];
      if (!Number.isFinite(z)) continue;
      const k0 = c0.intrinsics;
      const x = transformPoint(c0.worldFromCamera, [((u - k0.cx) / k0.fx) * z, ((v - k0.cy) / k0.fy) * z, z]);
      tracks.push(
        s.cameras.map((c, view) => {
          const q = transformPoint(cameraFromWorld(c), x);
          const [pu, pv] = [
            (c.intrinsics.fx * q[0]) / q[2] + c.intrinsics.cx,
            (c.intrinsics.fy * q[1]) / q[2] + c.intrinsics.cy,
          ];
          if (!(q[2] > 0 && pu > 0 && pu < 256 && pv > 0 && pv < 192)) return null;
          if (Math.abs(renders[view].depth[Math.floor(pv) * 256 + Math.floor(pu)] - q[2]) > 0.01 * q[2])
            return null;
          const off = rng.next() < 0.1 ? rng.uniform(1, 2) : 0;
          const a = 2 * Math.PI * rng.next();
          return [
            pu + 0.35 * rng.gaussian() + off * Math.cos(a),
            pv + 0.35 * rng.gaussian() + off * Math.sin(a),
          ];
        }),
      );
    }
    const matches: Matches[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const a: number[] = [];
        const b: number[] = [];
        const ids: number[] = [];
        tracks.forEach((t, id) => {
          if (t[i] && t[j]) {
            a.push(...t[i]!);
            b.push(...t[j]!);
            ids.push(id);
          }
        });
        matches.push({
          i,
          j,
          a: Float32Array.from(a),
          b: Float32Array.from(b),
          ia: Uint32Array.from(ids),
          ib: Uint32Array.from(ids),
        });
      }
    }
    const input = {
      sizes: renders.map(() => ({ width: 256, height: 192 })),
      focalPriors: renders.map(() => null),
      matches,
    };
    const sparse = poseErrors(estimateCameras(input).cameras, s.cameras);
    const result = estimateCameras({
      ...input,
      images: renders.map((r) => ({ width: 256, height: 192, data: r.rgba })),
    });
    const dense = poseErrors(result.cameras, s.cameras);
    const line = (e: typeof dense) =>
      `rot ${e.maxRotationDeg.toFixed(3)}°, trans ${e.maxTranslationDeg.toFixed(3)}°, focal ${(100 * e.maxFocal).toFixed(2)} %`;
    console.info(
      `matches only: ${line(sparse)} | with the photos: ${line(dense)}, dense ${result.pairs.map((p) => p.dense).join('/')}`,
    );
    for (const p of result.pairs) {
      expect(p.used).toBe(true);
      expect(p.dense).toBeGreaterThan(3 * p.verified);
    }
    expect(dense.maxRotationDeg).toBeLessThanOrEqual(1);
    expect(dense.maxTranslationDeg).toBeLessThanOrEqual(3);
    expect(dense.maxFocal).toBeLessThanOrEqual(0.03);
  });
});
