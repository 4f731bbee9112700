// Mean and variance of the reference grey level over each pixel's matching window (edges replicated).
@group(0) @binding(0) var<storage, read> ref_gray: array<f32>;
@group(0) @binding(1) var<storage, read_write> ref_stats: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> sweep: Sweep;

@compute @workgroup_size(WG_SIZE)
fn window_stats(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= sweep.width * sweep.height) {
    return;
  }
  let x = i32(i % sweep.width);
  let y = i32(i / sweep.width);
  let r = i32(STEREO_RADIUS);
  var sum = 0.0;
  var sq = 0.0;
  for (var dy = -r; dy <= r; dy++) {
    let yy = u32(clamp(y + dy, 0, i32(sweep.height) - 1));
    for (var dx = -r; dx <= r; dx++) {
      let v = ref_gray[yy * sweep.width + u32(clamp(x + dx, 0, i32(sweep.width) - 1))];
      sum += v;
      sq += v * v;
    }
  }
  let n = f32((2u * STEREO_RADIUS + 1u) * (2u * STEREO_RADIUS + 1u));
  let mean = sum / n;
  ref_stats[i] = vec2<f32>(mean, max(sq / n - mean * mean, 0.0));
}
