// View-dependent colour of the visible splats: SH up to the rendered degree, + 0.5, clamped at 0.
// Runs over the visible list (indirect dispatch: the count only the GPU knows).

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> sh: array<f32>;
@group(0) @binding(3) var<storage, read> depth_ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> records: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> state: array<u32>; // [visible, …]

// Raw SH colour (before + 0.5 and the clamp) of splat i seen along unit direction d.
fn sh_color(i: u32, d: vec3<f32>) -> vec3<f32> {
  let degree = cam.counts.y;
  let stride = cam.counts.z;
  let y = sh_basis(d, degree);
  var c = vec3<f32>(0.0);
  let n = (degree + 1u) * (degree + 1u);
  for (var k = 0u; k < n; k++) {
    let at = (i * stride + k) * 3u;
    c += y[k] * vec3<f32>(sh[at], sh[at + 1u], sh[at + 2u]);
  }
  return c;
}

@compute @workgroup_size(WG_SIZE)
fn project_colors(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let k = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (k >= state[0]) { return; }
  let i = depth_ids[k];
  let mean = vec3<f32>(means[3u * i], means[3u * i + 1u], means[3u * i + 2u]);
  let d = normalize(mean - cam.center.xyz);
  let c = max(sh_color(i, d) + 0.5, vec3<f32>(0.0));
  records[SPLAT_RECORD_VEC4S * i + 2u] = vec4<f32>(c, 0.0);
}
