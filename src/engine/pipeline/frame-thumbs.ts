/**
 * Thumbnails of the synthesized frames for the studio's strip: each frame's RGBA and confidence
 * box-filtered down to a small size, with its place on the trajectory and its camera. Plain typed arrays,
 * so the event crosses the worker boundary by structured clone.
 */
import type { Camera } from '../geometry/camera';
import type { EngineEvent, FrameThumb } from '../protocol';
import type { TrainView } from '../splats/trainer';
import type { Trajectory } from '../synthesis/trajectory';

/** Widest thumbnail (pixels); the strip shows them at about this size. */
export const FRAME_THUMB_MAX_WIDTH = 160;

/** Thumbnail size of a width×height image: at most maxWidth wide, aspect kept, never upscaled. */
export function thumbSize(width: number, height: number, maxWidth = FRAME_THUMB_MAX_WIDTH): [number, number] {
  const scale = Math.min(1, maxWidth / width);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/**
 * Source pixel ranges [start, end) per target pixel along one axis: the source pixels whose centres fall
 * in the target pixel's footprint. Every range is non-empty because the target is never larger.
 */
function footprints(source: number, target: number): Int32Array {
  const bounds = new Int32Array(target + 1);
  for (let t = 0; t <= target; t++) bounds[t] = Math.min(source, Math.round((t * source) / target));
  return bounds;
}

/** Box filter of `channels`-interleaved values to tw×th; `write` stores each channel's mean. */
function boxFilter(
  read: (index: number) => number,
  channels: number,
  width: number,
  height: number,
  tw: number,
  th: number,
  write: (index: number, value: number) => void,
): void {
  const xs = footprints(width, tw);
  const ys = footprints(height, th);
  const sum = new Float64Array(channels);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      sum.fill(0);
      let n = 0;
      for (let y = ys[ty]; y < ys[ty + 1]; y++) {
        for (let x = xs[tx]; x < xs[tx + 1]; x++) {
          const base = (y * width + x) * channels;
          for (let c = 0; c < channels; c++) sum[c] += read(base + c);
          n++;
        }
      }
      const out = (ty * tw + tx) * channels;
      for (let c = 0; c < channels; c++) write(out + c, sum[c] / n);
    }
  }
}

/** RGBA8 image averaged down to tw×th. */
export function downsampleRgba(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
  tw: number,
  th: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(tw * th * 4);
  boxFilter(
    (i) => rgba[i],
    4,
    width,
    height,
    tw,
    th,
    (i, v) => {
      out[i] = Math.round(v);
    },
  );
  return out;
}

/** Confidence in [0,1] averaged down to tw×th and stored as 0–255. */
export function downsampleConfidence(
  confidence: Float32Array,
  width: number,
  height: number,
  tw: number,
  th: number,
): Uint8Array {
  const out = new Uint8Array(tw * th);
  boxFilter(
    (i) => Math.min(1, Math.max(0, confidence[i])),
    1,
    width,
    height,
    tw,
    th,
    (i, v) => {
      out[i] = Math.round(v * 255);
    },
  );
  return out;
}

/**
 * Index of `camera` on the trajectory: the frame with the identical pose (frames copy their camera's
 * matrix), else the one whose centre is nearest; -1 for an empty trajectory.
 */
export function trajectoryIndexOf(camera: Camera, trajectory: Trajectory | undefined): number {
  const cams = trajectory?.cameras ?? [];
  const m = camera.worldFromCamera;
  const exact = cams.findIndex((c) => c.worldFromCamera.every((v, i) => v === m[i]));
  if (exact >= 0) return exact;
  let best = -1;
  let bestDistance = Infinity;
  cams.forEach((c, i) => {
    const w = c.worldFromCamera;
    const d = (w[12] - m[12]) ** 2 + (w[13] - m[13]) ** 2 + (w[14] - m[14]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  });
  return best;
}

/** One thumbnail per synthesized view, in trajectory order. */
export function synthesizedFrameThumbs(
  views: readonly TrainView[],
  trajectory: Trajectory | undefined,
  maxWidth = FRAME_THUMB_MAX_WIDTH,
): FrameThumb[] {
  const thumbs = views
    .filter((v) => v.source === 'synthesized')
    .map((view): FrameThumb => {
      const { width, height } = view.camera.intrinsics;
      const [tw, th] = thumbSize(width, height, maxWidth);
      const confidence = view.confidence ?? new Float32Array(width * height).fill(1);
      let total = 0;
      for (let i = 0; i < confidence.length; i++) total += Math.min(1, Math.max(0, confidence[i]));
      return {
        trajectoryIndex: trajectoryIndexOf(view.camera, trajectory),
        camera: {
          intrinsics: { ...view.camera.intrinsics },
          worldFromCamera: Array.from(view.camera.worldFromCamera),
        },
        width: tw,
        height: th,
        rgba: downsampleRgba(view.rgba, width, height, tw, th),
        confidence: downsampleConfidence(confidence, width, height, tw, th),
        meanConfidence: confidence.length > 0 ? total / confidence.length : 0,
      };
    });
  return thumbs.sort((a, b) => a.trajectoryIndex - b.trajectoryIndex);
}

/** The event the synthesis stage ends with (an empty strip when synthesis did not run). */
export function synthesizedFramesEvent(
  views: readonly TrainView[] | undefined,
  trajectory: Trajectory | undefined,
): Extract<EngineEvent, { type: 'synthesized-frames' }> {
  return {
    type: 'synthesized-frames',
    frames: synthesizedFrameThumbs(views ?? [], trajectory),
    trajectoryLength: trajectory?.cameras.length ?? 0,
  };
}
