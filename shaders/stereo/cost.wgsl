// Plane-sweep ZNCC matching cost in three barrier-free passes over a chunk of planes (workgroup memory
// and barriers are very slow on software GPUs, and these passes are light anyway):
//   warp_chunk: per (plane, pixel of the band's rows ± STEREO_RADIUS) the source warped through the
//               plane's homography (one bilinear sample);
//   row_sums:   (Σs, Σs², Σrs) over the 2r+1 horizontal taps (sliding along the row);
//   plane_cost: per (plane, band pixel) the 2r+1 row sums above and below (sliding down the column)
//               + the reference window's mean and variance → ZNCC → cost (1 − ZNCC)/2, or cost_out
//               where the pixel centre leaves the source image.
// Window taps outside the reference image replicate its edge (the warp follows the clamped pixel).
const WIN: u32 = 2u * STEREO_RADIUS + 1u;

@group(0) @binding(0) var<storage, read> ref_gray: array<f32>;
@group(0) @binding(1) var<storage, read> src_gray: array<f32>;
// Row sums of the chunk, plane-major: rows[(plane_in_chunk · ext_rows + ext_row) · width + x].
@group(0) @binding(2) var<storage, read_write> rows: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> sweep: Sweep;
// (first plane of the chunk, planes in the chunk, first image row of the row sums, number of those rows)
@group(0) @binding(4) var<uniform> chunk: vec4<u32>;
// Reference window (mean, variance) per image pixel.
@group(0) @binding(5) var<storage, read> ref_stats: array<vec2<f32>>;
// Band cost volume, pixel-major: cost[(row_in_band · width + x) · planes + d].
@group(0) @binding(6) var<storage, read_write> cost: array<f32>;
// Warped source of the chunk, laid out like `rows`.
@group(0) @binding(7) var<storage, read_write> warped: array<f32>;

fn clamp_x(x: i32) -> u32 {
  return u32(clamp(x, 0, i32(sweep.width) - 1));
}

fn clamp_y(y: i32) -> u32 {
  return u32(clamp(y, 0, i32(sweep.height) - 1));
}

@compute @workgroup_size(WG_SIZE)
fn warp_chunk(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let plane_pixels = chunk.w * sweep.width;
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= chunk.y * plane_pixels) {
    return;
  }
  let rho = sweep.rho0 + f32(chunk.x + i / plane_pixels) * sweep.drho;
  let h = warp_h(sweep, f32(i % sweep.width), f32(chunk.z + (i % plane_pixels) / sweep.width), rho);
  var s = 0.0;
  if (h.z > 1e-6) {
    s = sample_source(h.xy / h.z, vec2<u32>(sweep.src_width, sweep.src_height));
  }
  warped[i] = s;
}

// Window sums slide along a segment of STEREO_SEGMENT outputs per thread: each step removes one tap and
// adds one, instead of re-reading all 2r+1 (clamped taps slide the same way, as a multiset).
@compute @workgroup_size(WG_SIZE)
fn row_sums(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let segments = (sweep.width + STEREO_SEGMENT - 1u) / STEREO_SEGMENT;
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= chunk.y * chunk.w * segments) {
    return;
  }
  let row_start = (i / segments) * sweep.width;
  let ref_row = (chunk.z + (i / segments) % chunk.w) * sweep.width;
  let x0 = i32((i % segments) * STEREO_SEGMENT);
  let x1 = min(x0 + i32(STEREO_SEGMENT), i32(sweep.width));
  let r = i32(STEREO_RADIUS);
  var acc = vec3<f32>(0.0);
  for (var t = -r; t <= r; t++) {
    let px = clamp_x(x0 + t);
    let s = warped[row_start + px];
    acc += vec3<f32>(s, s * s, ref_gray[ref_row + px] * s);
  }
  for (var x = x0; x < x1; x++) {
    rows[row_start + u32(x)] = vec4<f32>(acc, 0.0);
    let out_px = clamp_x(x - r);
    let in_px = clamp_x(x + r + 1);
    let so = warped[row_start + out_px];
    let si = warped[row_start + in_px];
    let rs = ref_gray[ref_row + in_px] * si - ref_gray[ref_row + out_px] * so;
    acc += vec3<f32>(si - so, si * si - so * so, rs);
  }
}

@compute @workgroup_size(WG_SIZE)
fn plane_cost(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let segments = (sweep.band_rows + STEREO_SEGMENT - 1u) / STEREO_SEGMENT;
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= chunk.y * segments * sweep.width) {
    return;
  }
  let x = i % sweep.width;
  let k = i / (segments * sweep.width);
  let y0 = sweep.row_offset + ((i / sweep.width) % segments) * STEREO_SEGMENT;
  let y1 = min(y0 + STEREO_SEGMENT, sweep.row_offset + sweep.band_rows);
  let d = chunk.x + k;
  let rho = sweep.rho0 + f32(d) * sweep.drho;
  let plane_base = k * chunk.w;
  let r = i32(STEREO_RADIUS);
  let n = f32(WIN * WIN);
  var acc = vec4<f32>(0.0);
  for (var t = -r; t <= r; t++) {
    acc += rows[(plane_base + clamp_y(i32(y0) + t) - chunk.z) * sweep.width + x];
  }
  for (var y = y0; y < y1; y++) {
    let stats = ref_stats[y * sweep.width + x];
    let mean_s = acc.x / n;
    let var_s = max(acc.y / n - mean_s * mean_s, 0.0);
    let cov = acc.z / n - stats.x * mean_s;
    // The variance floor pulls ZNCC of texture-poor windows towards 0, so they never look like a match.
    let zncc = cov / sqrt((stats.y + sweep.zncc_eps) * (var_s + sweep.zncc_eps));
    var c = sweep.cost_out;
    if (inside_source(sweep, warp_h(sweep, f32(x), f32(y), rho))) {
      c = clamp(0.5 - 0.5 * zncc, 0.0, 1.0);
    }
    cost[((y - sweep.row_offset) * sweep.width + x) * sweep.planes + d] = c;
    let out_row = clamp_y(i32(y) - r) - chunk.z;
    let in_row = clamp_y(i32(y) + r + 1) - chunk.z;
    acc += rows[(plane_base + in_row) * sweep.width + x] - rows[(plane_base + out_row) * sweep.width + x];
  }
}
