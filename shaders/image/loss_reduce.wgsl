// Adds the per-tile sums of loss_forward in one workgroup (fixed order: deterministic) and writes the
// scalars [total, l1, ssim, mse, mean conf, k, 0, 0]. k is the confidence normaliser the backward reads.

@group(0) @binding(0) var<storage, read> tile_sums: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<uniform> params: LossParams;

var<workgroup> acc_a: array<vec4<f32>, WG_SIZE>;
var<workgroup> acc_b: array<vec2<f32>, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn loss_reduce(@builtin(local_invocation_index) li: u32) {
  var a = vec4<f32>(0.0);
  var b = vec2<f32>(0.0);
  for (var t = li; t < params.num_tiles; t += WG_SIZE) {
    a += tile_sums[2u * t];
    b += tile_sums[2u * t + 1u].xy;
  }
  acc_a[li] = a;
  acc_b[li] = b;
  workgroupBarrier();
  for (var stride = WG_SIZE / 2u; stride > 0u; stride = stride >> 1u) {
    if (li < stride) {
      acc_a[li] += acc_a[li + stride];
      acc_b[li] += acc_b[li + stride];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    let s = acc_a[0];
    let conf_mean = acc_b[0].y * params.inv_pixels;
    var k = 1.0;
    if (params.normalize != 0u) { k = select(0.0, 1.0 / conf_mean, conf_mean > 0.0); }
    values[0] = k * (params.lambda * s.x + (1.0 - params.lambda) * s.y) * params.inv_count;
    values[1] = s.z * params.inv_count;
    values[2] = s.w * params.inv_count;
    values[3] = acc_b[0].x * params.inv_count;
    values[4] = conf_mean;
    values[VALUE_SCALE] = k;
    values[6] = 0.0;
    values[7] = 0.0;
  }
}
