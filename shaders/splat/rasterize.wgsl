// Tiled forward rasterizer: one workgroup a 16×16 tile, one thread a pixel. The tile's depth-ordered
// splats are staged into workgroup memory a batch of TILE_SIZE² at a time; each pixel composites front
// to back at its centre (x + 0.5, y + 0.5):
//   σ > cutoff or α = min(ALPHA_MAX, o·e^{−σ}) < ALPHA_MIN: skip;  T·(1 − α) < T_MIN: stop (excluded).
// Outputs RGBA (rgb + T·background, alpha = 1 − T), the expected depth Σwz/Σw, and for the backward
// the final T and the tile-list position after the last splat that contributed.

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> ranges: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> isect_ids: array<u32>;
@group(0) @binding(3) var<storage, read> records: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> image: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> depth_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> final_t: array<f32>;
@group(0) @binding(7) var<storage, read_write> last_contrib: array<u32>;

const PIXELS: u32 = TILE_SIZE * TILE_SIZE;

var<workgroup> s_mean_o_cut: array<vec4<f32>, PIXELS>; // u, v, opacity, cutoff
var<workgroup> s_conic_z: array<vec4<f32>, PIXELS>;    // a, b, c, depth
var<workgroup> s_rgb: array<vec4<f32>, PIXELS>;
var<workgroup> s_done: atomic<u32>;
var<workgroup> s_done_copy: u32;

@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize_forward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid3: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let tile = wid.y * cam.size.z + wid.x;
  let pix = wid.xy * TILE_SIZE + lid3.xy;
  let inside = pix.x < cam.size.x && pix.y < cam.size.y;
  let p = vec2<f32>(pix) + 0.5;
  let range = ranges[tile];

  if (lid == 0u) { atomicStore(&s_done, 0u); }
  workgroupBarrier();
  var done = !inside;
  if (done) { atomicAdd(&s_done, 1u); }

  var t = 1.0;
  var color = vec3<f32>(0.0);
  var depth_sum = 0.0;
  var weight_sum = 0.0;
  var last = 0u;
  let count = range.y - range.x;
  let batches = (count + PIXELS - 1u) / PIXELS;
  for (var b = 0u; b < batches; b++) {
    // Early out once every pixel of the tile is done; the uniform load is also the barrier that lets
    // this batch's staging overwrite the previous one.
    if (lid == 0u) { s_done_copy = atomicLoad(&s_done); }
    if (workgroupUniformLoad(&s_done_copy) == PIXELS) { break; }
    let at = range.x + b * PIXELS + lid;
    if (at < range.y) {
      let id = isect_ids[at];
      let r0 = records[SPLAT_RECORD_VEC4S * id];
      let r1 = records[SPLAT_RECORD_VEC4S * id + 1u];
      s_mean_o_cut[lid] = vec4<f32>(r0.xy, r0.w, r1.w);
      s_conic_z[lid] = vec4<f32>(r1.xyz, r0.z);
      s_rgb[lid] = records[SPLAT_RECORD_VEC4S * id + 2u];
    }
    workgroupBarrier();
    let n = min(PIXELS, count - b * PIXELS);
    for (var j = 0u; j < n && !done; j++) {
      let a = s_mean_o_cut[j];
      let cz = s_conic_z[j];
      let sigma = sigma_at(cz.xyz, a.xy - p);
      if (sigma > a.w) { continue; }
      let alpha = min(ALPHA_MAX, a.z * exp(-sigma));
      if (alpha < ALPHA_MIN) { continue; }
      let next_t = t * (1.0 - alpha);
      if (next_t < T_MIN) {
        done = true;
        atomicAdd(&s_done, 1u);
        break;
      }
      let w = alpha * t;
      color += w * s_rgb[j].xyz;
      depth_sum += w * cz.w;
      weight_sum += w;
      t = next_t;
      last = b * PIXELS + j + 1u;
    }
  }
  if (inside) {
    let o = pix.y * cam.size.x + pix.x;
    image[o] = vec4<f32>(color + t * cam.background.xyz, 1.0 - t);
    depth_out[o] = select(0.0, depth_sum / weight_sum, weight_sum > 0.0);
    final_t[o] = t;
    last_contrib[o] = last;
  }
}
