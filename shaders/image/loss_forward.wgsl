// Forward pass of the image loss, one workgroup per SSIM_TILE² tile, one thread per output pixel.
// Per RGB channel: stage the (x, y) tile + halo in workgroup memory, blur rows for the five statistics
// (x, y, x², y², xy), blur columns, then per pixel evaluate SSIM and the three partial maps of the
// backward (ssim.cu's scheme; method.md §5.5) already multiplied by ∂L/∂S = −(1−λ)·conf/(W·H·3).
// The scalar sums are reduced per workgroup and written per tile: no global atomics (WGSL has no float
// atomics; a CAS loop would serialise thousands of tiles on one word and make the sum order-dependent).
// loss_reduce then adds the tiles deterministically in one small workgroup.

@group(0) @binding(0) var<storage, read> img_x: array<vec4<f32>>; // rendered
@group(0) @binding(1) var<storage, read> img_y: array<vec4<f32>>; // target
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial_maps: array<f32>; // 9 planes of W·H: (c·3 + k)
@group(0) @binding(4) var<storage, read_write> tile_sums: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: LossParams;

var<workgroup> region: array<vec2<f32>, SSIM_REGION * SSIM_REGION>; // (x, y) of one channel
var<workgroup> row4: array<vec4<f32>, SSIM_REGION * SSIM_TILE>;     // row-blurred x, y, x², y²
var<workgroup> row1: array<f32, SSIM_REGION * SSIM_TILE>;           // row-blurred xy

@compute @workgroup_size(SSIM_TILE, SSIM_TILE)
fn loss_forward(
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

  var conf = 0.0; // pixels past the image edge weigh nothing
  var xv = vec4<f32>(0.0);
  var yv = vec4<f32>(0.0);
  if (inside) {
    conf = 1.0;
    if (params.has_conf != 0u) { conf = confidence[pix]; }
    xv = img_x[pix];
    yv = img_y[pix];
  }
  let dssim_weight = -(1.0 - params.lambda) * conf * params.inv_count;

  var sums = vec4<f32>(0.0); // Σ conf·|d|, Σ conf·(1−S), Σ |d|, Σ S
  var sq = 0.0;
  for (var c = 0u; c < 3u; c++) {
    for (var i = li; i < SSIM_REGION * SSIM_REGION; i += SSIM_THREADS) {
      let gx = ox + i32(i % SSIM_REGION);
      let gy = oy + i32(i / SSIM_REGION);
      var v = vec2<f32>(0.0);
      if (in_image(gx, gy, width, height)) {
        let j = u32(gy) * width + u32(gx);
        v = vec2<f32>(img_x[j][c], img_y[j][c]);
      }
      region[i] = v;
    }
    workgroupBarrier();

    for (var i = li; i < SSIM_REGION * SSIM_TILE; i += SSIM_THREADS) {
      let base = (i / SSIM_TILE) * SSIM_REGION + i % SSIM_TILE;
      var s4 = vec4<f32>(0.0);
      var s1 = 0.0;
      for (var k = 0u; k < SSIM_TAPS; k++) {
        let v = region[base + k];
        let t = tap(k);
        s4 += t * vec4<f32>(v.x, v.y, v.x * v.x, v.y * v.y);
        s1 += t * v.x * v.y;
      }
      row4[i] = s4;
      row1[i] = s1;
    }
    workgroupBarrier();

    var m4 = vec4<f32>(0.0);
    var mxy = 0.0;
    for (var k = 0u; k < SSIM_TAPS; k++) {
      let j = (lid.y + k) * SSIM_TILE + lid.x;
      let t = tap(k);
      m4 += t * row4[j];
      mxy += t * row1[j];
    }
    if (inside) {
      let mx = m4.x;
      let my = m4.y;
      let a = mx * mx + my * my + params.c1;
      let b = (m4.z - mx * mx) + (m4.w - my * my) + params.c2;
      let cn = 2.0 * mx * my + params.c1;
      let d = 2.0 * (mxy - mx * my) + params.c2;
      let ab = a * b;
      let s = cn * d / ab;
      // ∂S/∂μx, ∂S/∂E[x²], ∂S/∂E[xy] with E[x²], E[xy] as independent statistics.
      let d_mu = 2.0 * my * (d - cn) / ab - 2.0 * mx * s / a + 2.0 * mx * s / b;
      let d_xx = -s / b;
      let d_xy = 2.0 * cn / ab;
      let base = c * 3u * plane + pix;
      partial_maps[base] = dssim_weight * d_mu;
      partial_maps[base + plane] = dssim_weight * d_xx;
      partial_maps[base + 2u * plane] = dssim_weight * d_xy;
      let diff = xv[c] - yv[c];
      sums += vec4<f32>(conf * abs(diff), conf * (1.0 - s), abs(diff), s);
      sq += diff * diff;
    }
    workgroupBarrier(); // the next channel overwrites region and the row blurs
  }

  // Tree reduction in the (now free) row-blur scratch.
  row4[li] = sums;
  row1[li] = sq;
  region[li] = vec2<f32>(conf, 0.0);
  workgroupBarrier();
  for (var stride = SSIM_THREADS / 2u; stride > 0u; stride = stride >> 1u) {
    if (li < stride) {
      row4[li] += row4[li + stride];
      row1[li] += row1[li + stride];
      region[li] += region[li + stride];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    let tile = wid.y * params.tiles_x + wid.x;
    tile_sums[2u * tile] = row4[0];
    tile_sums[2u * tile + 1u] = vec4<f32>(row1[0], region[0].x, 0.0, 0.0);
  }
}
