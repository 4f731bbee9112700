import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { FeatureExtractor, type Features, Matcher, toCorrespondences } from './index';
import { applyH, type Homography, invertH, makeHomography, makeTexture, renderTexture } from './test-images';
import type { RgbaImage } from './types';

// Extraction and matching under known homographies: the reference image and every warped view sample
// one procedural texture directly, so each pixel's true correspondence is exact.
const W = 320;
const H = 240;
const texture = makeTexture(11, -W, -H, 2 * W, 2 * H, { density: 60 });
const reference = renderTexture(texture, W, H);

let gpu: GpuContext;
let extractor: FeatureExtractor;
let matcher: Matcher;
let ref: Features;
beforeAll(async () => {
  gpu = await testGpu();
  extractor = new FeatureExtractor(gpu.device);
  matcher = new Matcher(gpu.device);
  ref = await extractor.extract(reference);
});
afterAll(() => {
  extractor?.destroy();
  gpu?.dispose();
});

const inside = (x: number, y: number, margin: number) =>
  x >= margin && y >= margin && x <= W - margin && y <= H - margin;

/** Share of `a`'s keypoints (whose true position in b is inside b) with a keypoint of b within 3 px. */
function repeatability(a: Features, b: Features, h: Homography): number {
  let visible = 0;
  let repeated = 0;
  for (let i = 0; i < a.count; i++) {
    const [x, y] = applyH(h, a.xy[2 * i], a.xy[2 * i + 1]);
    if (!inside(x, y, 8)) continue;
    visible++;
    for (let j = 0; j < b.count; j++) {
      if (Math.hypot(b.xy[2 * j] - x, b.xy[2 * j + 1] - y) < 3) {
        repeated++;
        break;
      }
    }
  }
  return repeated / visible;
}

describe('FeatureExtractor', () => {
  it('returns well-formed, deterministic keypoints and RootSIFT descriptors', async () => {
    const stats = extractor.lastStats!;
    expect(stats.upsampled).toBe(true); // 320 px: 'auto' enlarges small images
    expect(ref.count).toBe(stats.total);
    expect(ref.count).toBeGreaterThan(400);
    expect(ref.count).toBeLessThanOrEqual(2048);
    expect(ref.descDim).toBe(128);
    for (let i = 0; i < ref.count; i++) {
      expect(inside(ref.xy[2 * i], ref.xy[2 * i + 1], 0)).toBe(true);
      expect(ref.scale[i]).toBeGreaterThan(0.5);
      expect(ref.angle[i]).toBeGreaterThanOrEqual(0);
      expect(ref.angle[i]).toBeLessThan(2 * Math.PI);
      let norm = 0;
      let min = Infinity;
      for (let k = 0; k < 128; k++) {
        norm += ref.desc[128 * i + k] ** 2;
        min = Math.min(min, ref.desc[128 * i + k]);
      }
      expect(norm).toBeCloseTo(1, 4);
      expect(min).toBeGreaterThanOrEqual(0);
    }
    const again = await extractor.extract(reference);
    expect(Array.from(again.xy)).toEqual(Array.from(ref.xy));
    expect(Array.from(again.angle)).toEqual(Array.from(ref.angle));
    expect(Array.from(again.desc)).toEqual(Array.from(ref.desc));
  });

  it('keeps low-contrast regions covered: grid selection, not a global top-K', async () => {
    // Left half at a fifth of the contrast: a global top-K by response would leave it nearly empty.
    const data = new Uint8ClampedArray(reference.data);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W / 2; x++)
        for (let c = 0; c < 3; c++)
          data[4 * (y * W + x) + c] = 128 + 0.2 * (reference.data[4 * (y * W + x) + c] - 128);
    const small = new FeatureExtractor(gpu.device, { maxKeypoints: 150 });
    const f = await small.extract({ width: W, height: H, data });
    // Far more candidates than kept, so the choice matters.
    expect(small.lastStats!.candidates).toBeGreaterThan(2 * 150);
    let left = 0;
    for (let i = 0; i < f.count; i++) if (f.xy[2 * i] < W / 2) left++;
    console.log(`uneven contrast: ${left}/${f.count} keypoints in the low-contrast half`);
    expect(left / f.count).toBeGreaterThan(0.3);
    small.destroy();
  });

  it('works without the enlarged first octave, with fewer keypoints', async () => {
    const plain = new FeatureExtractor(gpu.device, { upsample: false });
    const f = await plain.extract(reference);
    expect(plain.lastStats!.upsampled).toBe(false);
    expect(f.count).toBeGreaterThan(100);
    expect(f.count).toBeLessThan(ref.count);
    expect(Math.min(...f.scale)).toBeGreaterThan(1.5); // no sub-octave-0 scales
    plain.destroy();
  });

  it('finds nothing in a flat image, and matching nothing gives nothing', async () => {
    const flat = await extractor.extract({
      width: W,
      height: H,
      data: new Uint8ClampedArray(W * H * 4).fill(90),
    });
    expect(flat.count).toBe(0);
    expect(extractor.lastStats!.candidates).toBe(0);
    expect((await matcher.match(flat, ref)).ia.length).toBe(0);
  });

  it('rejects malformed images', async () => {
    await expect(
      extractor.extract({ width: 10, height: 10, data: new Uint8ClampedArray(399) }),
    ).rejects.toThrow();
    await expect(
      extractor.extract({ width: 8, height: 8, data: new Uint8ClampedArray(256) }),
    ).rejects.toThrow();
  });
});

interface Case {
  name: string;
  rotationDeg: number;
  scale: number;
  gain?: number;
  bias?: number;
  noise?: number;
}

describe('matching under a known homography', () => {
  it.each<Case>([
    { name: 'rotation 15°, scale 0.8', rotationDeg: 15, scale: 0.8 },
    { name: 'rotation −12°, scale 1.25', rotationDeg: -12, scale: 1.25 },
    {
      name: 'rotation 15°, contrast ×0.7, brightness +30, noise',
      rotationDeg: 15,
      scale: 1,
      gain: 0.7,
      bias: 30,
      noise: 2,
    },
  ])('$name: enough precise, well-spread matches', async (c) => {
    const h = makeHomography(W, H, {
      rotationDeg: c.rotationDeg,
      scale: c.scale,
      tilt: [1e-4, -5e-5],
      shift: [6, -4],
    });
    const view: RgbaImage = renderTexture(texture, W, H, {
      h,
      gain: c.gain,
      bias: c.bias,
      noise: c.noise,
      seed: 7,
    });
    const t0 = performance.now();
    const fb = await extractor.extract(view);
    const t1 = performance.now();
    const m = await matcher.match(ref, fb);
    const t2 = performance.now();
    const { a, b } = toCorrespondences(ref, fb, m);
    let good = 0;
    for (let k = 0; k < m.ia.length; k++) {
      const [x, y] = applyH(h, a[2 * k], a[2 * k + 1]);
      if (Math.hypot(x - b[2 * k], y - b[2 * k + 1]) < 3) good++;
    }
    const precision = good / m.ia.length;
    const rep = repeatability(ref, fb, h);
    // Spread: cells of a 4×4 grid over the reference whose centre is visible in the view, and how
    // many of them hold a match.
    const inv = invertH(h);
    let visibleCells = 0;
    let covered = 0;
    for (let cy = 0; cy < 4; cy++)
      for (let cx = 0; cx < 4; cx++) {
        const [vx, vy] = applyH(h, ((cx + 0.5) * W) / 4, ((cy + 0.5) * H) / 4);
        if (!inside(vx, vy, 0)) continue;
        visibleCells++;
        for (let k = 0; k < m.ia.length; k++) {
          if (Math.floor((a[2 * k] * 4) / W) === cx && Math.floor((a[2 * k + 1] * 4) / H) === cy) {
            covered++;
            break;
          }
        }
      }
    expect(inv).toHaveLength(9);
    console.log(
      `${c.name}: ${ref.count}/${fb.count} keypoints, ${m.ia.length} matches, precision ${precision.toFixed(3)}, ` +
        `repeatability ${rep.toFixed(3)}, cells ${covered}/${visibleCells}; ` +
        `extract ${(t1 - t0).toFixed(0)} ms, match ${(t2 - t1).toFixed(0)} ms (SwiftShader)`,
    );
    expect(m.ia.length).toBeGreaterThanOrEqual(100);
    expect(precision).toBeGreaterThanOrEqual(0.8);
    expect(rep).toBeGreaterThan(0.4);
    expect(covered / visibleCells).toBeGreaterThanOrEqual(0.8);
  });
});
