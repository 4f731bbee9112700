// Depth-aware push-pull hole filling over an image pyramid (synthesis/push-pull.ts).
// Each level stores, per pixel, (r, g, b, depth) in `pyr`, a coverage weight W in [0, 1] in `pyr_w`,
// and the filled result in `fill`. Pull averages 2×2 children weighted by W·(z/zmax)^gamma, so the far
// (background) side dominates; push fills each fine pixel with W·own + (1−W)·upsampled coarse, the
// bilinear taps again biased towards the far side, so holes never smear the foreground into them.

struct Level {
  fine_w: u32,
  fine_h: u32,
  fine_off: u32,
  coarse_w: u32,
  coarse_h: u32,
  coarse_off: u32,
  gamma: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> lv: Level;
@group(0) @binding(1) var<storage, read_write> pyr: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> pyr_w: array<f32>;
@group(0) @binding(3) var<storage, read_write> fill: array<vec4<f32>>;

// Background preference of depth z against the largest depth zmax of the neighbourhood.
fn far_weight(z: f32, zmax: f32) -> f32 {
  if (zmax <= 0.0) {
    return 1.0;
  }
  return pow(clamp(z / zmax, 0.0, 1.0), lv.gamma);
}

@compute @workgroup_size(WG_SIZE)
fn pull(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= lv.coarse_w * lv.coarse_h) {
    return;
  }
  let cx = i % lv.coarse_w;
  let cy = i / lv.coarse_w;
  var zmax = 0.0;
  for (var k = 0u; k < 4u; k++) {
    let fx = 2u * cx + (k & 1u);
    let fy = 2u * cy + (k >> 1u);
    if (fx < lv.fine_w && fy < lv.fine_h) {
      let j = lv.fine_off + fy * lv.fine_w + fx;
      if (pyr_w[j] > 0.0) {
        zmax = max(zmax, pyr[j].w);
      }
    }
  }
  var coverage = 0.0;
  var wsum = 0.0;
  var acc = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) {
    let fx = 2u * cx + (k & 1u);
    let fy = 2u * cy + (k >> 1u);
    if (fx < lv.fine_w && fy < lv.fine_h) {
      let j = lv.fine_off + fy * lv.fine_w + fx;
      let cov = pyr_w[j];
      if (cov > 0.0) {
        let w = cov * far_weight(pyr[j].w, zmax);
        coverage += cov;
        wsum += w;
        acc += w * pyr[j];
      }
    }
  }
  var value = vec4<f32>(0.0);
  if (wsum > 0.0) {
    value = acc / wsum;
  }
  let o = lv.coarse_off + i;
  pyr[o] = value;
  pyr_w[o] = min(coverage, 1.0);
  // The top level keeps this as its filled value; lower levels are overwritten by push.
  fill[o] = value;
}

@compute @workgroup_size(WG_SIZE)
fn push(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= lv.fine_w * lv.fine_h) {
    return;
  }
  let x = i % lv.fine_w;
  let y = i / lv.fine_w;
  // Fine pixel centre in coarse pixel coordinates; the four surrounding coarse centres (clamped).
  let gx = (f32(x) + 0.5) * 0.5 - 0.5;
  let gy = (f32(y) + 0.5) * 0.5 - 0.5;
  let x0f = floor(gx);
  let y0f = floor(gy);
  let tx = gx - x0f;
  let ty = gy - y0f;
  let xs = array<u32, 2>(u32(clamp(x0f, 0.0, f32(lv.coarse_w - 1u))), u32(clamp(x0f + 1.0, 0.0, f32(lv.coarse_w - 1u))));
  let ys = array<u32, 2>(u32(clamp(y0f, 0.0, f32(lv.coarse_h - 1u))), u32(clamp(y0f + 1.0, 0.0, f32(lv.coarse_h - 1u))));
  var zmax = 0.0;
  for (var k = 0u; k < 4u; k++) {
    zmax = max(zmax, fill[lv.coarse_off + ys[k >> 1u] * lv.coarse_w + xs[k & 1u]].w);
  }
  var wsum = 0.0;
  var acc = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) {
    let bx = select(1.0 - tx, tx, (k & 1u) == 1u);
    let by = select(1.0 - ty, ty, (k >> 1u) == 1u);
    let c = fill[lv.coarse_off + ys[k >> 1u] * lv.coarse_w + xs[k & 1u]];
    let w = bx * by * far_weight(c.w, zmax);
    wsum += w;
    acc += w * c;
  }
  var up = vec4<f32>(0.0);
  if (wsum > 0.0) {
    up = acc / wsum;
  }
  let j = lv.fine_off + i;
  let cov = pyr_w[j];
  fill[j] = cov * pyr[j] + (1.0 - cov) * up;
}
