// Backward pass of the image loss: ∂L/∂x = k·[blur(Pμ) + 2x·blur(Pxx) + y·blur(Pxy) + λ·conf·sign(x−y)/(W·H·3)]
// where P are loss_forward's partial maps (zero outside the image). A zero-padded correlation with a
// symmetric window is self-adjoint, so this is the same tiled separable blur as the forward, on three
// maps. Every pixel of grad_out is written (alpha 0), so it never needs clearing.

@group(0) @binding(0) var<storage, read> img_x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> img_y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read> partial_maps: array<f32>;
@group(0) @binding(4) var<storage, read> values: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_out: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> params: LossParams;

var<workgroup> p_mu: array<f32, SSIM_REGION * SSIM_REGION>;
var<workgroup> p_xx: array<f32, SSIM_REGION * SSIM_REGION>;
var<workgroup> p_xy: array<f32, SSIM_REGION * SSIM_REGION>;
var<workgroup> rows: array<vec4<f32>, SSIM_REGION * SSIM_TILE>; // row-blurred (Pμ, Pxx, Pxy, −)

@compute @workgroup_size(SSIM_TILE, SSIM_TILE)
fn loss_backward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let width = params.width;
  let height = params.height;
  let plane = width * height;
  let px = wid.x * SSIM_TILE + lid.x;
  let py = wid.y * SSIM_TILE + lid.y;
  let inside = px < width && py < height;
  let pix = py * width + px;
  let ox = i32(wid.x * SSIM_TILE) - i32(SSIM_RADIUS);
  let oy = i32(wid.y * SSIM_TILE) - i32(SSIM_RADIUS);
  let k_norm = values[VALUE_SCALE];

  var conf = 0.0;
  var xv = vec4<f32>(0.0);
  var yv = vec4<f32>(0.0);
  if (inside) {
    conf = 1.0;
    if (params.has_conf != 0u) { conf = confidence[pix]; }
    xv = img_x[pix];
    yv = img_y[pix];
  }
  let l1_weight = params.lambda * conf * params.inv_count;

  var grad = vec3<f32>(0.0);
  for (var c = 0u; c < 3u; c++) {
    for (var i = li; i < SSIM_REGION * SSIM_REGION; i += SSIM_THREADS) {
      let gx = ox + i32(i % SSIM_REGION);
      let gy = oy + i32(i / SSIM_REGION);
      var a = 0.0;
      var b = 0.0;
      var d = 0.0;
      if (in_image(gx, gy, width, height)) {
        let j = c * 3u * plane + u32(gy) * width + u32(gx);
        a = partial_maps[j];
        b = partial_maps[j + plane];
        d = partial_maps[j + 2u * plane];
      }
      p_mu[i] = a;
      p_xx[i] = b;
      p_xy[i] = d;
    }
    workgroupBarrier();

    for (var i = li; i < SSIM_REGION * SSIM_TILE; i += SSIM_THREADS) {
      let base = (i / SSIM_TILE) * SSIM_REGION + i % SSIM_TILE;
      var s = vec4<f32>(0.0);
      for (var k = 0u; k < SSIM_TAPS; k++) {
        s += tap(k) * vec4<f32>(p_mu[base + k], p_xx[base + k], p_xy[base + k], 0.0);
      }
      rows[i] = s;
    }
    workgroupBarrier();

    var m = vec4<f32>(0.0);
    for (var k = 0u; k < SSIM_TAPS; k++) {
      m += tap(k) * rows[(lid.y + k) * SSIM_TILE + lid.x];
    }
    grad[c] = k_norm * (m.x + 2.0 * xv[c] * m.y + yv[c] * m.z + l1_weight * sign(xv[c] - yv[c]));
    workgroupBarrier(); // the next channel overwrites the staged maps
  }
  if (inside) {
    grad_out[pix] = vec4<f32>(grad, 0.0);
  }
}
