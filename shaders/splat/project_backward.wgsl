// Backward of the projection for the geometry (one thread a splat): screen-space gradients (2D mean,
// conic) → camera-space mean and covariance → world mean, log-scales and quaternion. Recomputes the
// forward (same functions as project.wgsl) instead of storing it. Adds into the gradient buffers.
//   conic A = Σ2⁻¹:         dΣ2 = −A·dA·A, with dA = [[ga, gb/2], [gb/2, gc]] (σ uses b twice);
//   Σ2 = J·Σc·Jᵀ + dI:      dΣc = Jᵀ·dΣ2·J,  dJ = 2·dΣ2·J·Σc;
//   J(t), u(t):             chain rule with the clamped ratio (no tx/ty gradient through J where clamped);
//   Σc = W·Σ3·Wᵀ, t = Wμ+τ: dΣ3 = Wᵀ·dΣc·W,  dμ = Wᵀ·dt;
//   Σ3 = M·Mᵀ, M = Rq·S:    dM = 2·dΣ3·M,  ds_k = ⟨Rq col k, dM col k⟩,  dRq = dM·S;
//   q̂ = q/|q|:              dq = (dq̂ − ⟨dq̂, q̂⟩q̂)/|q|.
// Mip mode: the record's opacity is o·ρ with ρ² = det(I − d·A) = 1 − d·tr A + d²·det A (A the conic), so
// the opacity gradient g also reaches Σ2: d(ρ²)/dΣ2 = d·A² − d²·det A·A, dΣ2 += g·o·d(ρ²)/dΣ2 / (2ρ).
// ρ ≥ ALPHA_MIN for every splat that was drawn (o·ρ ≥ ALPHA_MIN), so the division is safe.

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> log_scales: array<f32>;
@group(0) @binding(3) var<storage, read> rotations: array<f32>;
@group(0) @binding(4) var<storage, read> grad2d: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_means: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad_log_scales: array<f32>;
@group(0) @binding(7) var<storage, read_write> grad_rotations: array<f32>;
@group(0) @binding(8) var<storage, read> opacity_logits: array<f32>;

// dL/dq̂ of R(q̂) given dL/dR (WGSL column-major: dr[c][r] = dL/dR_rc).
fn quat_vjp(q: vec4<f32>, dr: mat3x3<f32>) -> vec4<f32> {
  let w = q.x;
  let x = q.y;
  let y = q.z;
  let z = q.w;
  let r00 = dr[0][0];
  let r01 = dr[1][0];
  let r02 = dr[2][0];
  let r10 = dr[0][1];
  let r11 = dr[1][1];
  let r12 = dr[2][1];
  let r20 = dr[0][2];
  let r21 = dr[1][2];
  let r22 = dr[2][2];
  return 2.0 * vec4<f32>(
    -z * r01 + y * r02 + z * r10 - x * r12 - y * r20 + x * r21,
    y * r01 + z * r02 + y * r10 - 2.0 * x * r11 - w * r12 + z * r20 + w * r21 - 2.0 * x * r22,
    -2.0 * y * r00 + x * r01 + w * r02 + x * r10 + z * r12 - w * r20 + z * r21 - 2.0 * y * r22,
    -2.0 * z * r00 - w * r01 + x * r02 + w * r10 - 2.0 * z * r11 + y * r12 + x * r20 + y * r21,
  );
}

@compute @workgroup_size(WG_SIZE)
fn project_backward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= cam.counts.x) { return; }
  let gb = SPLAT_GRAD2D_FLOATS * i;
  let g_uv = vec2<f32>(grad2d[gb], grad2d[gb + 1u]);
  let g_con = vec3<f32>(grad2d[gb + 3u], grad2d[gb + 4u], grad2d[gb + 5u]);
  let g_o = grad2d[gb + 2u];
  // Splats that were culled or touched no pixel have no screen-space gradient (and may not project).
  if (all(g_uv == vec2<f32>(0.0)) && all(g_con == vec3<f32>(0.0)) && (g_o == 0.0 || !is_mip(cam))) { return; }

  let mean = vec3<f32>(means[3u * i], means[3u * i + 1u], means[3u * i + 2u]);
  let t = cam_point(cam, mean);
  if (!(t.z > cam.center.w)) { return; }
  let q = vec4<f32>(rotations[4u * i], rotations[4u * i + 1u], rotations[4u * i + 2u], rotations[4u * i + 3u]);
  let qn = length(q);
  let qh = q / qn;
  let s = exp(vec3<f32>(log_scales[3u * i], log_scales[3u * i + 1u], log_scales[3u * i + 2u]));
  let rq = quat_to_mat(qh);
  let m = mat3x3<f32>(rq[0] * s.x, rq[1] * s.y, rq[2] * s.z);
  let w = cam_rotation(cam);
  let cov_cam = w * (m * transpose(m)) * transpose(w);
  let p = project_cov(cam, t, cov_cam);
  let det = p.cov.x * p.cov.z - p.cov.y * p.cov.y;
  let a = mat2x2<f32>(vec2<f32>(p.cov.z, -p.cov.y), vec2<f32>(-p.cov.y, p.cov.x)) * (1.0 / det);
  let j = proj_jacobian(cam, t.z, p.clamped);

  let da = mat2x2<f32>(vec2<f32>(g_con.x, 0.5 * g_con.y), vec2<f32>(0.5 * g_con.y, g_con.z));
  var d_cov2 = -1.0 * (a * da * a);
  if (is_mip(cam) && g_o != 0.0) {
    let dil = MIP_DILATION;
    let rho = opacity_compensation(cam, vec3<f32>(a[0][0], a[0][1], a[1][1]));
    let drho2 = dil * (a * a) - (dil * dil * determinant(a)) * a;
    d_cov2 += (g_o * sigmoid(opacity_logits[i]) / (2.0 * rho)) * drho2;
  }
  let d_cov_cam = transpose(j) * d_cov2 * j;
  let dj = 2.0 * (d_cov2 * j * cov_cam);

  let fx = cam.focal.x;
  let fy = cam.focal.y;
  let tz = t.z;
  let tz2 = tz * tz;
  var dt = vec3<f32>(fx / tz * g_uv.x, fy / tz * g_uv.y, -(fx * t.x * g_uv.x + fy * t.y * g_uv.y) / tz2);
  // J00 = fx/tz, J11 = fy/tz, J02 = −fx·xr/tz, J12 = −fy·yr/tz with xr = tx/tz unless clamped.
  dt.z += -fx / tz2 * dj[0][0] - fy / tz2 * dj[1][1];
  dt.x += -p.inside.x * fx / tz2 * dj[2][0];
  dt.y += -p.inside.y * fy / tz2 * dj[2][1];
  dt.z += (1.0 + p.inside.x) * fx * p.clamped.x / tz2 * dj[2][0];
  dt.z += (1.0 + p.inside.y) * fy * p.clamped.y / tz2 * dj[2][1];
  let d_mean = transpose(w) * dt;

  let d_cov3 = transpose(w) * d_cov_cam * w;
  let dm = 2.0 * (d_cov3 * m);
  let ds = vec3<f32>(dot(rq[0], dm[0]), dot(rq[1], dm[1]), dot(rq[2], dm[2]));
  let d_log_s = s * ds;
  let d_rq = mat3x3<f32>(dm[0] * s.x, dm[1] * s.y, dm[2] * s.z);
  let dqh = quat_vjp(qh, d_rq);
  let dq = (dqh - dot(dqh, qh) * qh) / qn;

  for (var c = 0u; c < 3u; c++) {
    grad_means[3u * i + c] += d_mean[c];
    grad_log_scales[3u * i + c] += d_log_s[c];
  }
  for (var c = 0u; c < 4u; c++) { grad_rotations[4u * i + c] += dq[c]; }
}
