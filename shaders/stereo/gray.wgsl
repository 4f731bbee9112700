// RGBA8 (packed little-endian u32: r in the low byte) → grey level in [0, 1] (Rec. 601 luma of the
// sRGB values; matching needs contrast, not radiometry).
@group(0) @binding(0) var<storage, read> rgba: array<u32>;
@group(0) @binding(1) var<storage, read_write> gray: array<f32>;
@group(0) @binding(2) var<uniform> count: vec4<u32>;

@compute @workgroup_size(WG_SIZE)
fn to_gray(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= count.x) {
    return;
  }
  let c = unpack4x8unorm(rgba[i]);
  gray[i] = dot(c.rgb, vec3<f32>(0.299, 0.587, 0.114));
}
