// Shared by every splat kernel: the per-view uniform, the projection maths, the SH basis and the exact
// tile/ellipse test. The TypeScript reference (src/engine/splats/reference.ts) mirrors these functions.
// Float constants (ALPHA_MIN, COV2D_DILATION, SH_C*, …) come from the rasterWgslHeader().

struct Camera {
  rot0: vec4<f32>,       // rows of cameraFromWorld [R | τ]: t = (dot(rotK.xyz, μ) + rotK.w)
  rot1: vec4<f32>,
  rot2: vec4<f32>,
  center: vec4<f32>,     // camera centre in world (xyz), near distance (w)
  focal: vec4<f32>,      // fx, fy, cx, cy
  lim: vec4<f32>,        // tx/tz clamped to [x, y], ty/tz to [z, w]
  background: vec4<f32>, // rgb, 0
  size: vec4<u32>,       // width, height, tiles_x, tiles_y
  counts: vec4<u32>,     // splats, SH degree rendered, SH coefficients a splat in the buffers, extent (0 opacity, 1 3σ)
  bins: vec4<u32>,       // intersection capacity, tile count (= the sentinel key), max workgroups a dimension, render mode (0 classic, 1 mip)
}

struct Cov2d {
  cov: vec3<f32>,   // Σ2 unique entries (00, 01, 11), dilation included
  mean: vec2<f32>,  // pixel coordinates of the mean
  clamped: vec2<f32>, // tx/tz and ty/tz after the screen clamp
  inside: vec2<f32>,  // 1 where the clamp did not act (their gradients flow), else 0
}

fn cam_rotation(cam: Camera) -> mat3x3<f32> {
  // Columns of R are the columns of the rows given: transpose of the row-major packing.
  return transpose(mat3x3<f32>(cam.rot0.xyz, cam.rot1.xyz, cam.rot2.xyz));
}

fn cam_point(cam: Camera, p: vec3<f32>) -> vec3<f32> {
  return vec3<f32>(
    dot(cam.rot0.xyz, p) + cam.rot0.w,
    dot(cam.rot1.xyz, p) + cam.rot1.w,
    dot(cam.rot2.xyz, p) + cam.rot2.w,
  );
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// Rotation of a normalised quaternion (w, x, y, z), as a column-major WGSL matrix.
fn quat_to_mat(q: vec4<f32>) -> mat3x3<f32> {
  let w = q.x;
  let x = q.y;
  let y = q.z;
  let z = q.w;
  return mat3x3<f32>(
    vec3<f32>(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)),
    vec3<f32>(2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x)),
    vec3<f32>(2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y)),
  );
}

// M = Rq·diag(s): Σ3 = M·Mᵀ.
fn scale_rot(q: vec4<f32>, s: vec3<f32>) -> mat3x3<f32> {
  let r = quat_to_mat(q);
  return mat3x3<f32>(r[0] * s.x, r[1] * s.y, r[2] * s.z);
}

// Projection Jacobian at the clamped ratios: J = [[fx/tz, 0, −fx·xr/tz], [0, fy/tz, −fy·yr/tz]] (2×3).
fn proj_jacobian(cam: Camera, tz: f32, ratio: vec2<f32>) -> mat3x2<f32> {
  let fx = cam.focal.x;
  let fy = cam.focal.y;
  return mat3x2<f32>(
    vec2<f32>(fx / tz, 0.0),
    vec2<f32>(0.0, fy / tz),
    vec2<f32>(-fx * ratio.x / tz, -fy * ratio.y / tz),
  );
}

fn clamp_ratio(cam: Camera, t: vec3<f32>) -> vec2<f32> {
  let r = t.xy / t.z;
  return vec2<f32>(clamp(r.x, cam.lim.x, cam.lim.y), clamp(r.y, cam.lim.z, cam.lim.w));
}

fn is_mip(cam: Camera) -> bool {
  return cam.bins.w == 1u;
}

fn cov_dilation(cam: Camera) -> f32 {
  return select(COV2D_DILATION, MIP_DILATION, is_mip(cam));
}

// The mip mode's opacity factor ρ = √(det(Σ2 − dI) / det Σ2) for the dilated Σ2 (conic A = Σ2⁻¹):
// det(I − d·A) = 1 − d·tr A + d²·det A. 1 in the classic mode.
fn opacity_compensation(cam: Camera, conic: vec3<f32>) -> f32 {
  if (!is_mip(cam)) { return 1.0; }
  let d = MIP_DILATION;
  let rho2 = 1.0 - d * (conic.x + conic.z) + d * d * (conic.x * conic.z - conic.y * conic.y);
  return sqrt(max(rho2, 0.0));
}

// EWA: Σ2 = J·W·Σ3·Wᵀ·Jᵀ + dilation·I, mean u = fx·tx/tz + cx (unclamped).
fn project_cov(cam: Camera, t: vec3<f32>, cov_cam: mat3x3<f32>) -> Cov2d {
  var out: Cov2d;
  let ratio = clamp_ratio(cam, t);
  let j = proj_jacobian(cam, t.z, ratio);
  let s = j * cov_cam * transpose(j);
  let dil = cov_dilation(cam);
  out.cov = vec3<f32>(s[0][0] + dil, s[1][0], s[1][1] + dil);
  out.mean = vec2<f32>(cam.focal.x * t.x / t.z + cam.focal.z, cam.focal.y * t.y / t.z + cam.focal.w);
  out.clamped = ratio;
  out.inside = select(vec2<f32>(0.0), vec2<f32>(1.0), ratio == t.xy / t.z);
  return out;
}

// σ = ½(a δx² + c δy²) + b δx δy for the conic [[a, b], [b, c]].
fn sigma_at(con: vec3<f32>, d: vec2<f32>) -> f32 {
  return 0.5 * (con.x * d.x * d.x + con.z * d.y * d.y) + con.y * d.x * d.y;
}

fn splat_cutoff(cam: Camera, opacity: f32) -> f32 {
  var c = log(opacity / ALPHA_MIN);
  if (cam.counts.w == 1u) { c = min(c, SIGMA3_CUTOFF); }
  return c;
}

// The tile test's cutoff: inflated so FP error can only add tiles, never drop a contributing one.
fn bin_cutoff(cutoff: f32) -> f32 {
  return cutoff * (1.0 + BIN_SLACK) + BIN_SLACK;
}

// Tiles [x0, y0, x1, y1) of the bounding box of {σ ≤ bin_cutoff}, clipped to the image; x0 == x1 if none.
fn tile_rect(cam: Camera, mean: vec2<f32>, con: vec3<f32>, cutoff: f32) -> vec4<u32> {
  let det = con.x * con.z - con.y * con.y;
  let lim = 2.0 * bin_cutoff(cutoff);
  let r = sqrt(vec2<f32>(lim * con.z, lim * con.x) / det);
  let w = f32(cam.size.x);
  let h = f32(cam.size.y);
  // Pixel i is covered when |i + 0.5 − u| ≤ r; clamp in float space before converting.
  let lo = max(ceil(mean - r - 0.5), vec2<f32>(0.0));
  let hi = min(floor(mean + r - 0.5), vec2<f32>(w - 1.0, h - 1.0));
  if (!(lo.x <= hi.x && lo.y <= hi.y)) { return vec4<u32>(0u); }
  let a = vec2<u32>(lo) / TILE_SIZE;
  let b = vec2<u32>(hi) / TILE_SIZE + 1u;
  return vec4<u32>(a, b);
}

// Smallest σ over δ in the box [lo, hi]: 0 when it holds the origin, else the best point on the four
// edges (σ is convex, so the minimum over the box lies on its boundary).
fn min_sigma_box(con: vec3<f32>, lo: vec2<f32>, hi: vec2<f32>) -> f32 {
  if (all(lo <= vec2<f32>(0.0)) && all(hi >= vec2<f32>(0.0))) { return 0.0; }
  var m = sigma_at(con, vec2<f32>(lo.x, clamp(-con.y * lo.x / con.z, lo.y, hi.y)));
  m = min(m, sigma_at(con, vec2<f32>(hi.x, clamp(-con.y * hi.x / con.z, lo.y, hi.y))));
  m = min(m, sigma_at(con, vec2<f32>(clamp(-con.y * lo.y / con.x, lo.x, hi.x), lo.y)));
  m = min(m, sigma_at(con, vec2<f32>(clamp(-con.y * hi.y / con.x, lo.x, hi.x), hi.y)));
  return m;
}

// Exact test: does the ellipse {σ ≤ bin_cutoff} reach a pixel centre of tile (tx, ty)?
fn tile_overlaps(cam: Camera, mean: vec2<f32>, con: vec3<f32>, cutoff: f32, tx: u32, ty: u32) -> bool {
  let first = vec2<u32>(tx, ty) * TILE_SIZE;
  let last = min(first + TILE_SIZE - 1u, cam.size.xy - 1u);
  let p0 = vec2<f32>(first) + 0.5;
  let p1 = vec2<f32>(last) + 0.5;
  return min_sigma_box(con, mean - p1, mean - p0) <= bin_cutoff(cutoff);
}

// Real SH basis Y_0..Y_15 of a unit direction (graphdeco's order and signs); entries past the degree are 0.
fn sh_basis(d: vec3<f32>, degree: u32) -> array<f32, 16> {
  var y = array<f32, 16>();
  y[0] = SH_C0;
  if (degree >= 1u) {
    y[1] = -SH_C1 * d.y;
    y[2] = SH_C1 * d.z;
    y[3] = -SH_C1 * d.x;
  }
  if (degree >= 2u) {
    let xx = d.x * d.x;
    let yy = d.y * d.y;
    let zz = d.z * d.z;
    y[4] = SH_C2[0] * d.x * d.y;
    y[5] = SH_C2[1] * d.y * d.z;
    y[6] = SH_C2[2] * (2.0 * zz - xx - yy);
    y[7] = SH_C2[3] * d.x * d.z;
    y[8] = SH_C2[4] * (xx - yy);
    if (degree >= 3u) {
      y[9] = SH_C3[0] * d.y * (3.0 * xx - yy);
      y[10] = SH_C3[1] * d.x * d.y * d.z;
      y[11] = SH_C3[2] * d.y * (4.0 * zz - xx - yy);
      y[12] = SH_C3[3] * d.z * (2.0 * zz - 3.0 * xx - 3.0 * yy);
      y[13] = SH_C3[4] * d.x * (4.0 * zz - xx - yy);
      y[14] = SH_C3[5] * d.z * (xx - yy);
      y[15] = SH_C3[6] * d.x * (xx - 3.0 * yy);
    }
  }
  return y;
}

// Σ_k gy[k]·∇Y_k(d): the direction gradient of the SH colour given dL/dY_k.
fn sh_basis_vjp(d: vec3<f32>, gy: array<f32, 16>, degree: u32) -> vec3<f32> {
  var g = vec3<f32>(0.0);
  if (degree < 1u) { return g; }
  g += SH_C1 * vec3<f32>(-gy[3], -gy[1], gy[2]);
  if (degree < 2u) { return g; }
  let x = d.x;
  let y = d.y;
  let z = d.z;
  let xx = x * x;
  let yy = y * y;
  let zz = z * z;
  g += SH_C2[0] * gy[4] * vec3<f32>(y, x, 0.0);
  g += SH_C2[1] * gy[5] * vec3<f32>(0.0, z, y);
  g += SH_C2[2] * gy[6] * vec3<f32>(-2.0 * x, -2.0 * y, 4.0 * z);
  g += SH_C2[3] * gy[7] * vec3<f32>(z, 0.0, x);
  g += SH_C2[4] * gy[8] * vec3<f32>(2.0 * x, -2.0 * y, 0.0);
  if (degree < 3u) { return g; }
  g += SH_C3[0] * gy[9] * vec3<f32>(6.0 * x * y, 3.0 * xx - 3.0 * yy, 0.0);
  g += SH_C3[1] * gy[10] * vec3<f32>(y * z, x * z, x * y);
  g += SH_C3[2] * gy[11] * vec3<f32>(-2.0 * x * y, 4.0 * zz - xx - 3.0 * yy, 8.0 * y * z);
  g += SH_C3[3] * gy[12] * vec3<f32>(-6.0 * x * z, -6.0 * y * z, 6.0 * zz - 3.0 * xx - 3.0 * yy);
  g += SH_C3[4] * gy[13] * vec3<f32>(4.0 * zz - 3.0 * xx - yy, -2.0 * x * y, 8.0 * x * z);
  g += SH_C3[5] * gy[14] * vec3<f32>(2.0 * x * z, -2.0 * y * z, xx - yy);
  g += SH_C3[6] * gy[15] * vec3<f32>(3.0 * xx - 3.0 * yy, -6.0 * x * y, 0.0);
  return g;
}
