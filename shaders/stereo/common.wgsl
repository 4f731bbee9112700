// Shared by the plane-sweep stereo kernels: the per-(pair, band) parameters and the warp helpers.
//
// A reference pixel centre x = (u + 0.5, v + 0.5, 1) on the fronto-parallel plane at inverse depth rho
// maps to the source pixel h.xy / h.z with h = A·x + rho·b
// (A = Ks·R·Kr⁻¹, b = Ks·t, source_from_ref = [R|t]).
struct Sweep {
  // Rows of A in xyz, b in w.
  h0: vec4<f32>,
  h1: vec4<f32>,
  h2: vec4<f32>,
  width: u32,
  height: u32,
  src_width: u32,
  src_height: u32,
  planes: u32,
  // The band of reference rows this volume holds: [row_offset, row_offset + band_rows).
  row_offset: u32,
  band_rows: u32,
  // Band-relative rows the winner-take-all pass writes: [keep_begin, keep_end).
  keep_begin: u32,
  keep_end: u32,
  paths: u32,
  _pad0: u32,
  _pad1: u32,
  // Inverse depth of plane 0 (the far bound) and the step between planes.
  rho0: f32,
  drho: f32,
  // Semi-global penalties: one-plane change, larger jumps (P2 shrinks across image edges).
  p1: f32,
  p2: f32,
  // Grey-level difference at which P2 halves; variance floor of the ZNCC (texture-poor windows → 0).
  p2_grad: f32,
  zncc_eps: f32,
  // Cost of a plane whose warp leaves the source image (costs are (1 − ZNCC) / 2 in [0, 1]).
  cost_out: f32,
  _pad2: f32,
}

// Homogeneous source position of reference pixel centre (px, py) (pixel indices) on plane rho.
fn warp_h(s: Sweep, px: f32, py: f32, rho: f32) -> vec3<f32> {
  let x = vec3<f32>(px + 0.5, py + 0.5, 1.0);
  return vec3<f32>(
    dot(s.h0.xyz, x) + rho * s.h0.w,
    dot(s.h1.xyz, x) + rho * s.h1.w,
    dot(s.h2.xyz, x) + rho * s.h2.w,
  );
}

// Whether a continuous source position (pixel-centre convention) lies inside the source image.
fn inside_source(s: Sweep, h: vec3<f32>) -> bool {
  if (h.z <= 1e-6) {
    return false;
  }
  let p = h.xy / h.z;
  return p.x >= 0.0 && p.y >= 0.0 && p.x < f32(s.src_width) && p.y < f32(s.src_height);
}
