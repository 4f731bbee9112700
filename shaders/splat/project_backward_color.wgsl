// Backward of opacity and colour (one thread a splat; runs after project_backward.wgsl, both add into
// grad_means): the pixels saw o·ρ (ρ the mip mode's compensation, 1 otherwise; the record holds o·ρ), so
// dL/dlogit = ρ·o(1 − o)·dL/d(o·ρ) = record opacity·(1 − o)·dL/d(o·ρ). Colour = max(Σ_k Y_k(d)·sh_k + 0.5, 0),
// so per channel the gradient flows where the clamp did not act: dL/dsh_k = Y_k·dL/dc, and through the view
// direction d = (μ − centre)/|μ − centre| into the mean for degree ≥ 1.

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;
@group(0) @binding(3) var<storage, read> opacity_logits: array<f32>;
@group(0) @binding(4) var<storage, read> grad2d: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_sh: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad_opacity: array<f32>;
@group(0) @binding(7) var<storage, read_write> grad_means: array<f32>;
@group(0) @binding(8) var<storage, read> records: array<vec4<f32>>;

@compute @workgroup_size(WG_SIZE)
fn project_backward_color(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= cam.counts.x) { return; }
  let gb = SPLAT_GRAD2D_FLOATS * i;
  let g_o = grad2d[gb + 2u];
  let g_rgb = vec3<f32>(grad2d[gb + 6u], grad2d[gb + 7u], grad2d[gb + 8u]);
  if (g_o != 0.0) {
    let o = sigmoid(opacity_logits[i]);
    grad_opacity[i] += g_o * records[SPLAT_RECORD_VEC4S * i].w * (1.0 - o);
  }
  if (all(g_rgb == vec3<f32>(0.0))) { return; }

  let degree = cam.counts.y;
  let stride = cam.counts.z;
  let n = (degree + 1u) * (degree + 1u);
  let mean = vec3<f32>(means[3u * i], means[3u * i + 1u], means[3u * i + 2u]);
  let v = mean - cam.center.xyz;
  let len = length(v);
  let d = v / len;
  let y = sh_basis(d, degree);
  var raw = vec3<f32>(0.0);
  for (var k = 0u; k < n; k++) {
    let at = (i * stride + k) * 3u;
    raw += y[k] * vec3<f32>(sh[at], sh[at + 1u], sh[at + 2u]);
  }
  let dc = select(vec3<f32>(0.0), g_rgb, raw + 0.5 > vec3<f32>(0.0));
  var gy = array<f32, 16>();
  for (var k = 0u; k < n; k++) {
    let at = (i * stride + k) * 3u;
    grad_sh[at] += y[k] * dc.x;
    grad_sh[at + 1u] += y[k] * dc.y;
    grad_sh[at + 2u] += y[k] * dc.z;
    gy[k] = dot(vec3<f32>(sh[at], sh[at + 1u], sh[at + 2u]), dc);
  }
  if (degree > 0u) {
    let dd = sh_basis_vjp(d, gy, degree);
    let dv = (dd - d * dot(d, dd)) / len;
    for (var c = 0u; c < 3u; c++) { grad_means[3u * i + c] += dv[c]; }
  }
}
