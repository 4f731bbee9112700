/**
 * Confidence of a generated frame: agreement with the point-cloud render of the same camera,
 * exp(−|generated − render|/τ) on the mean RGB difference, box-smoothed, times the render's own
 * confidence (low where the cloud left holes and the render was only filled in). So pixels the video
 * model invented where there was no geometry, or where it contradicts the geometry, weigh little.
 */
export interface AgreementOptions {
  /** Mean absolute RGB difference (in [0,1]) at which confidence falls to 1/e (default 0.1). */
  tau?: number;
  /** Box-filter radius in pixels (default 2). */
  radius?: number;
}

function boxBlur(src: Float32Array, W: number, H: number, r: number): Float32Array {
  if (r <= 0) return src;
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      let c = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(W - 1, x + r); k++, c++) s += src[y * W + k];
      tmp[y * W + x] = s / c;
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      let c = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(H - 1, y + r); k++, c++) s += tmp[k * W + x];
      out[y * W + x] = s / c;
    }
  }
  return out;
}

export function agreementConfidence(
  generated: Uint8ClampedArray,
  render: Uint8ClampedArray,
  renderConfidence: Float32Array,
  W: number,
  H: number,
  options: AgreementOptions = {},
): Float32Array {
  const tau = options.tau ?? 0.1;
  const n = W * H;
  const agree = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(generated[4 * i + c] - render[4 * i + c]);
    agree[i] = Math.exp(-d / (3 * 255) / tau);
  }
  const smooth = boxBlur(agree, W, H, options.radius ?? 2);
  for (let i = 0; i < n; i++) smooth[i] = Math.min(1, Math.max(0, smooth[i] * renderConfidence[i]));
  return smooth;
}
