import { describe, expect, it } from 'vitest';
import type { Camera } from '../geometry/camera';
import { lookAt, type Vec3 } from '../geometry/mat4';
import type { TrainView } from '../splats/trainer';
import { interpolateTrajectory } from '../synthesis/trajectory';
import {
  downsampleConfidence,
  downsampleRgba,
  synthesizedFramesEvent,
  thumbSize,
  trajectoryIndexOf,
} from './frame-thumbs';

const K = { fx: 300, fy: 300, cx: 192, cy: 144, width: 384, height: 288 };
const cam = (eye: Vec3): Camera => ({ intrinsics: { ...K }, worldFromCamera: lookAt(eye, [0, 0, 3]) });

/** A deterministic pseudo-random image (values that differ pixel to pixel and channel to channel). */
function noise(n: number, seed: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Reference: mean over the source pixels whose centre lies inside the target pixel's footprint. */
function referenceDownsample(
  src: ArrayLike<number>,
  c: number,
  w: number,
  h: number,
  tw: number,
  th: number,
) {
  const out = new Float64Array(tw * th * c);
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      const x0 = (tx * w) / tw;
      const x1 = ((tx + 1) * w) / tw;
      const y0 = (ty * h) / th;
      const y1 = ((ty + 1) * h) / th;
      for (let k = 0; k < c; k++) {
        let sum = 0;
        let n = 0;
        // Scan a margin around the footprint; the centre test decides membership.
        for (let y = Math.max(0, Math.floor(y0) - 2); y < Math.min(h, Math.ceil(y1) + 2); y++)
          for (let x = Math.max(0, Math.floor(x0) - 2); x < Math.min(w, Math.ceil(x1) + 2); x++) {
            if (x + 0.5 < x0 || x + 0.5 >= x1 || y + 0.5 < y0 || y + 0.5 >= y1) continue;
            sum += src[(y * w + x) * c + k];
            n++;
          }
        out[(ty * tw + tx) * c + k] = sum / n;
      }
    }
  return out;
}

describe('frame thumbnails', () => {
  it('sizes keep the aspect, cap the width and never upscale', () => {
    expect(thumbSize(384, 288)).toEqual([160, 120]);
    expect(thumbSize(288, 384)).toEqual([160, 213]);
    expect(thumbSize(100, 50)).toEqual([100, 50]);
    expect(thumbSize(1000, 3, 160)).toEqual([160, 1]);
  });

  it('box-filters RGBA like a plain per-footprint mean', () => {
    // 384→160 has no footprint boundary on a pixel centre, so the centre rule is unambiguous.
    const [w, h] = [384, 288];
    const [tw, th] = thumbSize(w, h);
    const src = noise(w * h * 4, 5);
    const got = downsampleRgba(src, w, h, tw, th);
    const ref = referenceDownsample(src, 4, w, h, tw, th);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    expect(worst).toBeLessThanOrEqual(0.5);
    // A 2× reduction by hand: the four pixels of each block.
    const tiny = new Uint8ClampedArray([0, 0, 0, 255, 40, 8, 0, 255, 80, 16, 0, 255, 120, 24, 0, 255]);
    expect(Array.from(downsampleRgba(tiny, 2, 2, 1, 1))).toEqual([60, 12, 0, 255]);
  });

  it('maps confidence to bytes with the same filter', () => {
    const [w, h] = [384, 288];
    const conf = new Float32Array(w * h);
    // Left half confident, right half not, plus one out-of-range value that must clamp.
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) conf[y * w + x] = x < w / 2 ? 1 : 0.2;
    conf[0] = 7;
    const out = downsampleConfidence(conf, w, h, 160, 120);
    expect(out[0]).toBe(255);
    expect(out[160 * 60 + 10]).toBe(255);
    expect(out[160 * 60 + 150]).toBe(Math.round(0.2 * 255));
    // The column straddling the middle mixes both halves.
    const middle = out[160 * 60 + 80 - 1];
    expect(middle).toBeGreaterThanOrEqual(Math.round(0.2 * 255));
    expect(middle).toBeLessThanOrEqual(255);
  });

  it('finds each frame on the trajectory and keeps only synthesized frames, in trajectory order', () => {
    const inputs = [cam([0, 0, 0]), cam([0.6, 0, 0.1])];
    const trajectory = interpolateTrajectory(inputs, 5);
    const views: TrainView[] = trajectory.cameras.map((camera, i) => {
      const n = K.width * K.height;
      const confidence = new Float32Array(n).fill(i / 10);
      return {
        camera: { intrinsics: camera.intrinsics, worldFromCamera: new Float64Array(camera.worldFromCamera) },
        rgba: noise(n * 4, i + 1),
        confidence,
        source: trajectory.inputIndex[i] >= 0 ? 'input' : 'synthesized',
      };
    });
    // Out of order, as a model path might hand them over.
    views.reverse();
    const event = synthesizedFramesEvent(views, trajectory);
    const synthesized = trajectory.inputIndex.filter((i) => i < 0).length;
    expect(synthesized).toBeGreaterThan(0);
    expect(event.frames.length).toBe(synthesized);
    expect(event.trajectoryLength).toBe(trajectory.cameras.length);
    const expected = trajectory.inputIndex.flatMap((input, i) => (input < 0 ? [i] : []));
    expect(event.frames.map((f) => f.trajectoryIndex)).toEqual(expected);
    for (const f of event.frames) {
      expect([f.width, f.height]).toEqual([160, 120]);
      expect(f.rgba.length).toBe(160 * 120 * 4);
      expect(f.confidence.length).toBe(160 * 120);
      expect(f.meanConfidence).toBeCloseTo(f.trajectoryIndex / 10, 6);
      expect(f.confidence[500]).toBe(Math.round((f.trajectoryIndex / 10) * 255));
      expect(f.camera.worldFromCamera).toEqual(
        Array.from(trajectory.cameras[f.trajectoryIndex].worldFromCamera),
      );
    }
    // A camera off the trajectory goes to the nearest frame.
    const near = cam([0.31, 0.01, 0.05]);
    const centres = trajectory.cameras.map((c) => c.worldFromCamera[12]);
    const nearest = centres.reduce(
      (b, x, i) => (Math.abs(x - 0.31) < Math.abs(centres[b] - 0.31) ? i : b),
      0,
    );
    expect(trajectoryIndexOf(near, trajectory)).toBe(nearest);
    expect(synthesizedFramesEvent(undefined, undefined)).toEqual({
      type: 'synthesized-frames',
      frames: [],
      trajectoryLength: 0,
    });
  });
});
