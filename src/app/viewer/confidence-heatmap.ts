/**
 * The confidence overlay of the frames strip: a colour ramp from low (red) through amber to high (green)
 * blended over a frame. The legend's CSS gradient comes from the same stops, so both always agree.
 */

type Rgb = [number, number, number];

/** Colour at confidence 0, 0.5 and 1. */
export const CONFIDENCE_STOPS: readonly Rgb[] = [
  [229, 72, 77],
  [240, 180, 41],
  [48, 164, 108],
];

/** How strongly the heat map covers the frame (0 = invisible, 1 = opaque). */
export const OVERLAY_ALPHA = 0.6;

/** Ramp colour of a confidence in [0, 1]. */
export function confidenceColor(c: number): Rgb {
  const t = Math.min(1, Math.max(0, c)) * (CONFIDENCE_STOPS.length - 1);
  const i = Math.min(CONFIDENCE_STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = CONFIDENCE_STOPS[i];
  const b = CONFIDENCE_STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as Rgb;
}

/** CSS gradient of the ramp, low on the left. */
export function confidenceGradientCss(): string {
  const stops = CONFIDENCE_STOPS.map(
    (c, i) => `rgb(${c.join(' ')}) ${Math.round((100 * i) / (CONFIDENCE_STOPS.length - 1))}%`,
  );
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** RGBA8 frame with the heat map of its 0–255 confidence blended over it (alpha kept opaque). */
export function blendConfidence(
  rgba: Uint8ClampedArray,
  confidence: Uint8Array,
  alpha = OVERLAY_ALPHA,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rgba.length);
  // 256 possible confidences: look the colours up instead of interpolating per pixel.
  const lut = Array.from({ length: 256 }, (_, v) => confidenceColor(v / 255));
  for (let i = 0; i < confidence.length; i++) {
    const color = lut[confidence[i]];
    for (let k = 0; k < 3; k++) out[4 * i + k] = rgba[4 * i + k] * (1 - alpha) + color[k] * alpha;
    out[4 * i + 3] = 255;
  }
  return out;
}
