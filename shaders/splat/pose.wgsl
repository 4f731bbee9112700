// Joint refinement of input camera poses (src/engine/splats/pose-refine.ts). A view's correction
// ξ = (ω, v) acts in its camera frame on the base cameraFromWorld [R_b | τ_b]:
//   R = Exp(ω)·R_b,   τ = Exp(ω)·τ_b + v        (t = R·μ + τ: camera coordinates of a world point μ)
//
// Pose gradient without a second backward: a camera motion is the inverse rigid motion of every splat,
// so it follows from the per-splat gradients the rasterizer's backward already wrote (dL/dμ, dL/dq):
//   perturb t → t + ν:                 μ → μ + Wᵀν                         ⇒ dL/dν = W·Σ gμ
//   perturb t → Exp(δ)(t − v) + v:     μ → μ + δw × (μ − c_b), q → Exp(δw)⊗q, with δw = Wᵀδ
//                                      ⇒ dL/dδ = W·Σ [(μ − c_b) × gμ + ½·vec(gq ⊗ q̄)]
// (W = R, c_b = base camera centre: the point that Exp(ω) turns about; the quaternion term is the
// covariance's share.) The rigid picture moves splats but does not rotate their SH, whereas a camera
// rotation about c_b only moves the view direction through the centre: the SH view-direction part g_sh
// of gμ contributes (c − c_b) × g_sh, not (μ − c_b) × g_sh, so (μ − c) × g_sh is taken off again.
// The translation part is exact as it stands. Finally dL/dω = J_l(ω)ᵀ·dL/dδ (Exp(ω + dω) =
// Exp(J_l(ω)dω)·Exp(ω)), so Adam sees the exact gradient of ξ.
//
// pose layout (POSE_WORDS f32): rows of [R | τ] (12), centre c (3), 0, base centre c_b (3), 0. The first
// POSE_CENTER + 3 words match the rasterizer's Camera uniform, which copies them over a view's slot.

struct PoseParams {
  count: u32,    // splats
  degree: u32,   // SH degree rendered
  stride: u32,   // SH coefficients a splat in the buffers
  partials: u32, // workgroups of pose_partials, i.e. partial sums for pose_finish
}

@group(0) @binding(0) var<uniform> params: PoseParams;
@group(0) @binding(1) var<storage, read> pose: array<f32>;
@group(0) @binding(2) var<storage, read> means: array<f32>;
@group(0) @binding(3) var<storage, read> rotations: array<f32>;
@group(0) @binding(4) var<storage, read> sh: array<f32>;
@group(0) @binding(5) var<storage, read> grad2d: array<f32>;
@group(0) @binding(6) var<storage, read> grad_means: array<f32>;
@group(0) @binding(7) var<storage, read> grad_rotations: array<f32>;
@group(0) @binding(8) var<storage, read_write> partials: array<f32>;
@group(0) @binding(9) var<storage, read> xi: array<f32>;
@group(0) @binding(10) var<storage, read_write> pose_grad: array<f32>;
@group(0) @binding(11) var<storage, read> base: array<f32>; // rows of [R_b | τ_b] (12)
@group(0) @binding(12) var<storage, read_write> pose_out: array<f32>;

var<workgroup> sum_t: array<vec3<f32>, WG_SIZE>;
var<workgroup> sum_r: array<vec3<f32>, WG_SIZE>;

// [w]× as a column-major matrix: skew(w)·x = w × x.
fn skew(w: vec3<f32>) -> mat3x3<f32> {
  return mat3x3<f32>(vec3<f32>(0.0, w.z, -w.y), vec3<f32>(-w.z, 0.0, w.x), vec3<f32>(w.y, -w.x, 0.0));
}

// Rodrigues with the half-angle form of (1 − cos θ)/θ², which keeps f32 precision for small angles.
fn exp_so3(w: vec3<f32>) -> mat3x3<f32> {
  let th = length(w);
  var a = 1.0 - th * th / 6.0;
  var b = 0.5 - th * th / 24.0;
  if (th > 1e-3) {
    let s = sin(0.5 * th) / (0.5 * th);
    a = sin(th) / th;
    b = 0.5 * s * s;
  }
  let k = skew(w);
  return mat3x3<f32>(vec3<f32>(1.0, 0.0, 0.0), vec3<f32>(0.0, 1.0, 0.0), vec3<f32>(0.0, 0.0, 1.0)) + a * k +
    b * (k * k);
}

// J_l(ω)ᵀ·g with J_l = I + B·[ω]× + C·[ω]×², B = (1 − cos θ)/θ², C = (θ − sin θ)/θ³.
fn left_jacobian_t(w: vec3<f32>, g: vec3<f32>) -> vec3<f32> {
  let th = length(w);
  let t2 = th * th;
  var b = 0.5 - t2 / 24.0;
  var c = 1.0 / 6.0 - t2 / 120.0 + t2 * t2 / 5040.0;
  if (th > 1e-3) {
    let s = sin(0.5 * th) / (0.5 * th);
    b = 0.5 * s * s;
  }
  if (th > 0.1) { c = (th - sin(th)) / (t2 * th); }
  // ([ω]×)ᵀ = −[ω]×, ([ω]×²)ᵀ = [ω]×².
  return g - b * cross(w, g) + c * cross(w, cross(w, g));
}

// One thread: the view's composed pose from its base and ξ.
@compute @workgroup_size(1)
fn compose_pose() {
  let w = vec3<f32>(xi[0], xi[1], xi[2]);
  let v = vec3<f32>(xi[3], xi[4], xi[5]);
  let e = exp_so3(w);
  // Columns of rb_t are the rows of R_b, so rb_t = R_bᵀ and R_bᵀ·Eᵀ = Rᵀ: its columns are the rows of R.
  let rb_t = mat3x3<f32>(
    vec3<f32>(base[0], base[1], base[2]),
    vec3<f32>(base[4], base[5], base[6]),
    vec3<f32>(base[8], base[9], base[10]),
  );
  let tau_b = vec3<f32>(base[3], base[7], base[11]);
  let r_t = rb_t * transpose(e);
  let tau = e * tau_b + v;
  for (var r = 0u; r < 3u; r++) {
    pose_out[4u * r] = r_t[r].x;
    pose_out[4u * r + 1u] = r_t[r].y;
    pose_out[4u * r + 2u] = r_t[r].z;
    pose_out[4u * r + 3u] = tau[r];
  }
  let c = -(r_t * tau);
  let c_b = -(rb_t * tau_b);
  for (var k = 0u; k < 3u; k++) {
    pose_out[POSE_CENTER + k] = c[k];
    pose_out[POSE_BASE_CENTER + k] = c_b[k];
  }
  pose_out[POSE_CENTER + 3u] = 0.0;
  pose_out[POSE_BASE_CENTER + 3u] = 0.0;
}

// The SH view-direction share of dL/dμ_i, recomputed as project_backward_color.wgsl adds it.
fn sh_direction_grad(i: u32, v: vec3<f32>) -> vec3<f32> {
  let gb = SPLAT_GRAD2D_FLOATS * i;
  let g_rgb = vec3<f32>(grad2d[gb + 6u], grad2d[gb + 7u], grad2d[gb + 8u]);
  if (all(g_rgb == vec3<f32>(0.0))) { return vec3<f32>(0.0); }
  let degree = params.degree;
  let n = (degree + 1u) * (degree + 1u);
  let len = length(v);
  let d = v / len;
  let y = sh_basis(d, degree);
  var raw = vec3<f32>(0.0);
  for (var k = 0u; k < n; k++) {
    let at = (i * params.stride + k) * 3u;
    raw += y[k] * vec3<f32>(sh[at], sh[at + 1u], sh[at + 2u]);
  }
  let dc = select(vec3<f32>(0.0), g_rgb, raw + 0.5 > vec3<f32>(0.0));
  var gy = array<f32, 16>();
  for (var k = 0u; k < n; k++) {
    let at = (i * params.stride + k) * 3u;
    gy[k] = dot(vec3<f32>(sh[at], sh[at + 1u], sh[at + 2u]), dc);
  }
  let dd = sh_basis_vjp(d, gy, degree);
  return (dd - d * dot(d, dd)) / len;
}

// Tree sum of sum_t / sum_r over the workgroup (every thread calls it: barriers in uniform control flow).
fn reduce_workgroup(lid: u32) {
  workgroupBarrier();
  for (var s = WG_SIZE / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      sum_t[lid] += sum_t[lid + s];
      sum_r[lid] += sum_r[lid + s];
    }
    workgroupBarrier();
  }
}

// One thread a splat: its world-frame contributions, summed per workgroup into `partials` (no atomics).
@compute @workgroup_size(WG_SIZE)
fn pose_partials(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let group = linear_workgroup(wid, nwg);
  let i = group * WG_SIZE + lid;
  var gt = vec3<f32>(0.0);
  var gr = vec3<f32>(0.0);
  if (i < params.count) {
    let gm = vec3<f32>(grad_means[3u * i], grad_means[3u * i + 1u], grad_means[3u * i + 2u]);
    let gq = vec4<f32>(
      grad_rotations[4u * i],
      grad_rotations[4u * i + 1u],
      grad_rotations[4u * i + 2u],
      grad_rotations[4u * i + 3u],
    );
    // Splats the view did not see have no gradient at all.
    if (any(gm != vec3<f32>(0.0)) || any(gq != vec4<f32>(0.0))) {
      let mu = vec3<f32>(means[3u * i], means[3u * i + 1u], means[3u * i + 2u]);
      let q = vec4<f32>(rotations[4u * i], rotations[4u * i + 1u], rotations[4u * i + 2u], rotations[4u * i + 3u]);
      let c = vec3<f32>(pose[POSE_CENTER], pose[POSE_CENTER + 1u], pose[POSE_CENTER + 2u]);
      let c_b = vec3<f32>(pose[POSE_BASE_CENTER], pose[POSE_BASE_CENTER + 1u], pose[POSE_BASE_CENTER + 2u]);
      gt = gm;
      // vec(gq ⊗ q̄) for q = (w, x, y, z) stored in .x .y .z .w (the raw, unnormalised quaternion: the
      // adjoint of right-multiplication by q is right-multiplication by q̄, whatever |q|).
      let qv = q.yzw;
      let gv = gq.yzw;
      gr = cross(mu - c_b, gm) + 0.5 * (q.x * gv - gq.x * qv - cross(gv, qv));
      if (params.degree > 0u) { gr -= cross(mu - c, sh_direction_grad(i, mu - c)); }
    }
  }
  sum_t[lid] = gt;
  sum_r[lid] = gr;
  reduce_workgroup(lid);
  if (lid == 0u && group < params.partials) {
    let at = POSE_PARTIAL_FLOATS * group;
    for (var k = 0u; k < 3u; k++) {
      partials[at + k] = sum_t[0][k];
      partials[at + 3u + k] = sum_r[0][k];
    }
  }
}

// One workgroup: the partial sums → dL/dξ = (J_lᵀ·W·Σ rotation terms, W·Σ translation terms).
@compute @workgroup_size(WG_SIZE)
fn pose_finish(@builtin(local_invocation_index) lid: u32) {
  var a = vec3<f32>(0.0);
  var b = vec3<f32>(0.0);
  for (var j = lid; j < params.partials; j += WG_SIZE) {
    let at = POSE_PARTIAL_FLOATS * j;
    a += vec3<f32>(partials[at], partials[at + 1u], partials[at + 2u]);
    b += vec3<f32>(partials[at + 3u], partials[at + 4u], partials[at + 5u]);
  }
  sum_t[lid] = a;
  sum_r[lid] = b;
  reduce_workgroup(lid);
  if (lid == 0u) {
    let row0 = vec3<f32>(pose[0], pose[1], pose[2]);
    let row1 = vec3<f32>(pose[4], pose[5], pose[6]);
    let row2 = vec3<f32>(pose[8], pose[9], pose[10]);
    let st = sum_t[0];
    let sr = sum_r[0];
    let g_v = vec3<f32>(dot(row0, st), dot(row1, st), dot(row2, st));
    let g_delta = vec3<f32>(dot(row0, sr), dot(row1, sr), dot(row2, sr));
    let g_w = left_jacobian_t(vec3<f32>(xi[0], xi[1], xi[2]), g_delta);
    for (var k = 0u; k < 3u; k++) {
      pose_grad[k] = g_w[k];
      pose_grad[3u + k] = g_v[k];
    }
  }
}
