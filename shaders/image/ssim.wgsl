// Declarations shared by the image-loss kernels (splats/loss.ts): loss = mean over W·H·3 of
// k·conf·(λ·|x−y| + (1−λ)·(1−SSIM)), SSIM with an 11×11 separable Gaussian window and zero padding.
// Each kernel module is [ssim.wgsl, one of loss_forward / loss_reduce / loss_backward].wgsl.

const SSIM_TAPS: u32 = 2u * SSIM_RADIUS + 1u;
// A workgroup owns one SSIM_TILE² output tile and needs the tile plus a halo of SSIM_RADIUS on each side.
const SSIM_REGION: u32 = SSIM_TILE + 2u * SSIM_RADIUS;
const SSIM_THREADS: u32 = SSIM_TILE * SSIM_TILE;
// The final tree reductions reuse the row-blur scratch, which must hold one entry per thread.
const_assert SSIM_REGION * SSIM_TILE >= SSIM_THREADS;

struct LossParams {
  width: u32,
  height: u32,
  tiles_x: u32,
  num_tiles: u32,
  has_conf: u32,   // 0: confidence is all ones (the bound buffer is a placeholder)
  normalize: u32,  // 1: k = 1 / mean(conf), else k = 1
  _pad0: u32,
  _pad1: u32,
  lambda: f32,
  inv_count: f32,  // 1 / (W·H·3)
  inv_pixels: f32, // 1 / (W·H)
  c1: f32,
  c2: f32,
  _pad2: f32,
  _pad3: f32,
  _pad4: f32,
  taps: array<vec4<f32>, (SSIM_TAPS + 3u) / 4u>, // normalised Gaussian taps for offsets −R..R
}

// Per-tile partial sums written by loss_forward, two vec4 per tile:
//   [0] = (Σ conf·|x−y|, Σ conf·(1−S), Σ |x−y|, Σ S)   [1] = (Σ (x−y)², Σ conf (per pixel), 0, 0)
// values (loss_reduce): [total, l1, ssim, mse, mean conf, k, 0, 0].
const VALUE_SCALE: u32 = 5u;

fn in_image(gx: i32, gy: i32, width: u32, height: u32) -> bool {
  return gx >= 0 && gy >= 0 && u32(gx) < width && u32(gy) < height;
}

// Window tap k (0..SSIM_TAPS−1); `params` is declared by each kernel file at its own binding.
fn tap(k: u32) -> f32 {
  return params.taps[k / 4u][k % 4u];
}
