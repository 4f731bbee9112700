// Bandwidth probe: each thread copies one vec4<u32> (16 bytes).
struct CopyParams {
  count: u32, // vec4 elements
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> params: CopyParams;

@compute @workgroup_size(WG_SIZE)
fn copy_vec4(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i < params.count) { dst[i] = src[i]; }
}
