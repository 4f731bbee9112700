// Debug/test kernel: the source image warped into the reference view through plane `plane.x`, and
// whether each pixel centre lands inside the source (1) or not (0). The cost kernel uses the same
// warp_h / sample_source path, so this checks the homography against a CPU reference.
@group(0) @binding(0) var<storage, read> src_gray: array<f32>;
@group(0) @binding(1) var<storage, read_write> warped: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> sweep: Sweep;
@group(0) @binding(3) var<uniform> plane: vec4<u32>;

@compute @workgroup_size(WG_SIZE)
fn warp_plane(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= sweep.width * sweep.height) {
    return;
  }
  let px = f32(i % sweep.width);
  let py = f32(i / sweep.width);
  let rho = sweep.rho0 + f32(plane.x) * sweep.drho;
  let h = warp_h(sweep, px, py, rho);
  let inside = inside_source(sweep, h);
  var value = 0.0;
  if (h.z > 1e-6) {
    value = sample_source(h.xy / h.z, vec2<u32>(sweep.src_width, sweep.src_height));
  }
  warped[i] = vec2<f32>(value, select(0.0, 1.0, inside));
}
