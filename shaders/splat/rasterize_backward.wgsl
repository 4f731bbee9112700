// Tiled backward rasterizer: gradients of the loss with respect to each splat's 2D mean, conic, opacity
// and colour, accumulated into grad2d (SPLAT_GRAD2D_FLOATS a splat: mean xy, opacity, conic abc, rgb).
//
// Per pixel, walking the splats back to front from the last contributor, the state is two scalars:
//   T  — the transmittance in front of the current splat (recovered as T_i = T_{i+1} / (1 − α_i)),
//   Q  — Σ_{j ≥ i} (c_j·g) α_j T_j + T_final·(bg·g − g_alpha), the part of the loss behind splat i,
// which give dL/dα_i = (c_i·g)·T_i − Q_{i+1}/(1 − α_i) and dL/dc_i = α_i T_i g.
//
// Schedule (no per-(pixel, splat) global atomics): a batch of S·R splats (S = RASTER_BWD_SLOTS slots,
// R = RASTER_BWD_SPLATS_PER_SLOT consecutive splats a slot) is handled by S slots × L = TILE_SIZE²/S lanes;
// lane l owns pixels l·M … l·M + M − 1 (M = TILE_SIZE²/L). At step s, slot k works on pixel s − k of its
// lane, through its R splats back to front, so every pixel meets the whole batch back to front and no two
// threads touch the same pixel state in a step (a diagonal wavefront: one barrier a step, M + S − 1 steps
// a batch). Each thread sums its splats' gradients over its pixels in registers; the L lane partials are
// then added into one workgroup accumulator per splat and component, which is added to grad2d once per
// splat per batch.
//
// Barriers are what this kernel is built around: each costs every invocation of the workgroup (on
// SwiftShader about 20 µs for 256 invocations, most of the backward under the former 32 × 4 schedule), so
// the batch takes few wide steps (R = 8) and the lane partials meet in workgroup atomics instead of a
// barrier-per-round tree.
// Threads are numbered lane-major (consecutive invocations are different slots, hence different splats),
// so the compare-exchange loops of neighbouring invocations rarely collide.
//
// WGSL has no floating-point atomics (neither in storage nor in workgroup memory), so an add is a
// compare-exchange loop on the f32's bit pattern held in an atomic<u32>.

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> ranges: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> isect_ids: array<u32>;
@group(0) @binding(3) var<storage, read> records: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> final_t: array<f32>;
@group(0) @binding(5) var<storage, read> last_contrib: array<u32>;
@group(0) @binding(6) var<storage, read> grad_image: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> grad2d: array<atomic<u32>>;

const PIXELS: u32 = TILE_SIZE * TILE_SIZE;
const SLOTS: u32 = RASTER_BWD_SLOTS;
const PER_SLOT: u32 = RASTER_BWD_SPLATS_PER_SLOT;
const BATCH: u32 = SLOTS * PER_SLOT;
const LANES: u32 = PIXELS / SLOTS;
const LANE_PIXELS: u32 = PIXELS / LANES;
const ACC: u32 = BATCH * SPLAT_GRAD2D_FLOATS;
const_assert PIXELS % SLOTS == 0u;
const_assert BATCH <= PIXELS;

// 15.5 KB in all (the WebGPU default limit is 16 KB).
var<workgroup> s_t: array<f32, PIXELS>;
var<workgroup> s_q: array<f32, PIXELS>;
var<workgroup> s_gr: array<f32, PIXELS>;
var<workgroup> s_gg: array<f32, PIXELS>;
var<workgroup> s_gb: array<f32, PIXELS>;
var<workgroup> s_last: array<u32, PIXELS>;
var<workgroup> s_mean_o_cut: array<vec4<f32>, BATCH>; // u, v, opacity, cutoff
var<workgroup> s_conic_r: array<vec4<f32>, BATCH>;    // a, b, c, red
var<workgroup> s_gb_color: array<vec2<f32>, BATCH>;   // green, blue
// Per batch splat and gradient component (grad2d's layout), f32 bits.
var<workgroup> s_acc: array<atomic<u32>, ACC>;
var<workgroup> s_max_last: atomic<u32>;
var<workgroup> s_end: u32;

fn atomic_add_f32(at: u32, v: f32) {
  if (v == 0.0) { return; }
  var old = atomicLoad(&grad2d[at]);
  loop {
    let r = atomicCompareExchangeWeak(&grad2d[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

fn shared_add_f32(at: u32, v: f32) {
  if (v == 0.0) { return; }
  var old = atomicLoad(&s_acc[at]);
  loop {
    let r = atomicCompareExchangeWeak(&s_acc[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

@compute @workgroup_size(TILE_SIZE, TILE_SIZE)
fn rasterize_backward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let tile = wid.y * cam.size.z + wid.x;
  let range = ranges[tile];
  let origin = wid.xy * TILE_SIZE;

  // Stage the per-pixel state; pixel lid of the tile is (lid % TILE_SIZE, lid / TILE_SIZE).
  if (lid == 0u) { atomicStore(&s_max_last, 0u); }
  for (var k = lid; k < ACC; k += PIXELS) { atomicStore(&s_acc[k], 0u); }
  workgroupBarrier();
  let pix = origin + vec2<u32>(lid % TILE_SIZE, lid / TILE_SIZE);
  if (pix.x < cam.size.x && pix.y < cam.size.y) {
    let o = pix.y * cam.size.x + pix.x;
    let t = final_t[o];
    let g = grad_image[o];
    let last = last_contrib[o];
    s_t[lid] = t;
    s_q[lid] = t * (dot(cam.background.xyz, g.xyz) - g.w);
    s_gr[lid] = g.x;
    s_gg[lid] = g.y;
    s_gb[lid] = g.z;
    s_last[lid] = last;
    atomicMax(&s_max_last, last);
  } else {
    s_t[lid] = 1.0;
    s_q[lid] = 0.0;
    s_gr[lid] = 0.0;
    s_gg[lid] = 0.0;
    s_gb[lid] = 0.0;
    s_last[lid] = 0u;
  }
  workgroupBarrier();
  if (lid == 0u) { s_end = atomicLoad(&s_max_last); }
  // Batches walk the list back to front from the furthest last contributor of the tile.
  var end = workgroupUniformLoad(&s_end);

  let slot = lid % SLOTS;
  let lane = lid / SLOTS;
  while (end > 0u) {
    let nk = min(BATCH, end);
    // Batch position j = 0 is the backmost splat: list position end − 1 − j.
    if (lid < nk) {
      let id = isect_ids[range.x + end - 1u - lid];
      let r0 = records[SPLAT_RECORD_VEC4S * id];
      let r1 = records[SPLAT_RECORD_VEC4S * id + 1u];
      let r2 = records[SPLAT_RECORD_VEC4S * id + 2u];
      s_mean_o_cut[lid] = vec4<f32>(r0.xy, r0.w, r1.w);
      s_conic_r[lid] = vec4<f32>(r1.xyz, r2.x);
      s_gb_color[lid] = r2.yz;
    }
    workgroupBarrier();

    // Per splat of this slot: dL/du, dL/dv, dL/do | dL/dconic | dL/drgb. Zeroed explicitly every batch
    // (a `var` without initializer inside the loop was observed to keep the previous batch's sums).
    var g_mean_o = array<vec3<f32>, PER_SLOT>();
    var g_conic = array<vec3<f32>, PER_SLOT>();
    var g_rgb = array<vec3<f32>, PER_SLOT>();
    let used_slots = (nk + PER_SLOT - 1u) / PER_SLOT;
    let steps = LANE_PIXELS + used_slots - 1u;
    for (var s = 0u; s < steps; s++) {
      let m = s - slot; // wraps to a huge value while s < slot
      if (slot < used_slots && m < LANE_PIXELS) {
        let q = lane * LANE_PIXELS + m;
        let px = vec2<f32>(origin + vec2<u32>(q % TILE_SIZE, q / TILE_SIZE)) + 0.5;
        let g = vec3<f32>(s_gr[q], s_gg[q], s_gb[q]);
        let last = s_last[q];
        var t_after = s_t[q];
        var q_behind = s_q[q];
        for (var r = 0u; r < PER_SLOT; r++) {
          let j = slot * PER_SLOT + r;
          if (j >= nk || end - 1u - j >= last) { continue; }
          let a = s_mean_o_cut[j];
          let cr = s_conic_r[j];
          let con = cr.xyz;
          let d = a.xy - px;
          let sigma = sigma_at(con, d);
          let gauss = exp(-sigma);
          let og = a.z * gauss;
          let alpha = min(ALPHA_MAX, og);
          if (sigma > a.w || alpha < ALPHA_MIN) { continue; }
          let t = t_after / (1.0 - alpha);
          let cg = dot(vec3<f32>(cr.w, s_gb_color[j]), g);
          g_rgb[r] += (alpha * t) * g;
          let d_alpha = cg * t - q_behind / (1.0 - alpha);
          q_behind += cg * alpha * t;
          t_after = t;
          // Where α was clamped at ALPHA_MAX it does not depend on o or σ.
          if (og < ALPHA_MAX) {
            let d_sigma = -og * d_alpha;
            g_mean_o[r] += vec3<f32>(
              d_sigma * (con.x * d.x + con.y * d.y),
              d_sigma * (con.y * d.x + con.z * d.y),
              gauss * d_alpha,
            );
            g_conic[r] += d_sigma * vec3<f32>(0.5 * d.x * d.x, d.x * d.y, 0.5 * d.y * d.y);
          }
        }
        s_t[q] = t_after;
        s_q[q] = q_behind;
      }
      workgroupBarrier();
    }

    // The L lane partials of each splat meet in the workgroup accumulators (the last step's barrier
    // ordered them after the previous batch's reads), then one global add per splat and component.
    if (slot < used_slots) {
      for (var r = 0u; r < PER_SLOT; r++) {
        let j = slot * PER_SLOT + r;
        if (j >= nk) { break; }
        let at = j * SPLAT_GRAD2D_FLOATS;
        shared_add_f32(at, g_mean_o[r].x);
        shared_add_f32(at + 1u, g_mean_o[r].y);
        shared_add_f32(at + 2u, g_mean_o[r].z);
        shared_add_f32(at + 3u, g_conic[r].x);
        shared_add_f32(at + 4u, g_conic[r].y);
        shared_add_f32(at + 5u, g_conic[r].z);
        shared_add_f32(at + 6u, g_rgb[r].x);
        shared_add_f32(at + 7u, g_rgb[r].y);
        shared_add_f32(at + 8u, g_rgb[r].z);
      }
    }
    workgroupBarrier();
    for (var k = lid; k < nk * SPLAT_GRAD2D_FLOATS; k += PIXELS) {
      let j = k / SPLAT_GRAD2D_FLOATS;
      let id = isect_ids[range.x + end - 1u - j];
      atomic_add_f32(id * SPLAT_GRAD2D_FLOATS + k % SPLAT_GRAD2D_FLOATS, bitcast<f32>(atomicLoad(&s_acc[k])));
      atomicStore(&s_acc[k], 0u);
    }
    end -= nk;
  }
}
