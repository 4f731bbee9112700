// Brute-force descriptor matching (features/matcher.ts).
//   nearest: one thread a query descriptor (kept in registers), MATCH_WG queries a workgroup; the
//            reference descriptors stream through shared memory MATCH_TILE at a time. Squared L2
//            distance; best index, best and second-best distance per query (ties keep the lower index).
//   filter_matches: Lowe's ratio test on A→B and, optionally, the mutual check against B→A; survivors are
//            appended with an atomic counter (the CPU orders them after readback).

struct NearestParams {
  n_query: u32,
  n_ref: u32,
  dim4: u32,    // descriptor length / 4
  columns: u32, // also produce the per-workgroup column partials (B→A)
}

struct FilterParams {
  n_a: u32,
  mutual: u32,
  ratio2: f32, // squared distance ratio
  pad: u32,
}

@group(0) @binding(0) var<uniform> nparams: NearestParams;
@group(0) @binding(1) var<storage, read> query: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> refs: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> nearest_out: array<vec4<u32>>;

@group(0) @binding(4) var<uniform> fparams: FilterParams;
@group(0) @binding(5) var<storage, read> ab: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> ba: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read_write> matches: array<vec4<u32>>;
@group(0) @binding(8) var<storage, read_write> match_count: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> col_partial: array<vec4<u32>>; // [query group · n_ref + ref]

const MAX_DIM4: u32 = MATCH_MAX_DIM / 4u;
const NONE: u32 = 0xffffffffu;
const FAR: f32 = 3.4e38;

var<workgroup> tile: array<vec4<f32>, MATCH_TILE * MAX_DIM4>;
var<workgroup> col_dist: array<f32, MATCH_WG * MATCH_TILE>;

// Best/second-best bookkeeping shared by every reduction: strict < keeps the earlier index on ties.
struct Nearest {
  best: f32,
  second: f32,
  index: u32,
}

fn offer(n: ptr<function, Nearest>, d: f32, index: u32) {
  if (d < (*n).best) {
    (*n).second = (*n).best;
    (*n).best = d;
    (*n).index = index;
  } else if (d < (*n).second) {
    (*n).second = d;
  }
}

fn pack(n: Nearest) -> vec4<u32> {
  return vec4<u32>(n.index, bitcast<u32>(n.best), bitcast<u32>(n.second), 0u);
}

@compute @workgroup_size(MATCH_WG)
fn nearest(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let group = linear_workgroup(wid, nwg);
  let q = group * MATCH_WG + lid;
  let has_query = q < nparams.n_query;
  let dim4 = nparams.dim4;
  var mine: array<vec4<f32>, MAX_DIM4>;
  if (has_query) {
    for (var k = 0u; k < dim4; k++) { mine[k] = query[q * dim4 + k]; }
  }
  var row = Nearest(FAR, FAR, NONE);
  let n_ref = nparams.n_ref;
  for (var first = 0u; first < n_ref; first += MATCH_TILE) {
    let in_tile = min(MATCH_TILE, n_ref - first);
    for (var k = lid; k < in_tile * dim4; k += MATCH_WG) { tile[k] = refs[first * dim4 + k]; }
    workgroupBarrier();
    for (var j = 0u; j < in_tile; j++) {
      var acc = 0.0;
      for (var k = 0u; k < dim4; k++) {
        let d = mine[k] - tile[j * dim4 + k];
        acc += dot(d, d);
      }
      if (has_query) { offer(&row, acc, first + j); }
      col_dist[lid * MATCH_TILE + j] = select(FAR, acc, has_query);
    }
    workgroupBarrier();
    if (nparams.columns != 0u && lid < in_tile) {
      var col = Nearest(FAR, FAR, NONE);
      for (var i = 0u; i < MATCH_WG; i++) { offer(&col, col_dist[i * MATCH_TILE + lid], group * MATCH_WG + i); }
      col_partial[group * n_ref + first + lid] = pack(col);
    }
    workgroupBarrier();
  }
  if (has_query) { nearest_out[q] = pack(row); }
}

// B→A nearest: merge the partials of the query groups in order (lower A indices first, as a sequential
// scan would see them): the result equals one scan over all of A.
@compute @workgroup_size(WG_SIZE)
fn reduce_columns(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let r = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  let n_ref = nparams.n_ref;
  if (r >= n_ref) { return; }
  let groups = (nparams.n_query + MATCH_WG - 1u) / MATCH_WG;
  var n = Nearest(FAR, FAR, NONE);
  for (var g = 0u; g < groups; g++) {
    let p = col_partial[g * n_ref + r];
    let best = bitcast<f32>(p.y);
    let second = bitcast<f32>(p.z);
    if (best < n.best) {
      n.second = min(n.best, second);
      n.best = best;
      n.index = p.x;
    } else {
      n.second = min(n.second, best);
    }
  }
  ba[r] = pack(n);
}

@compute @workgroup_size(WG_SIZE)
fn filter_matches(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= fparams.n_a) { return; }
  let r = ab[i];
  let j = r.x;
  if (j == NONE) { return; }
  let best = bitcast<f32>(r.y);
  let second = bitcast<f32>(r.z);
  if (!(best < fparams.ratio2 * second)) { return; }
  if (fparams.mutual != 0u && ba[j].x != i) { return; }
  let slot = atomicAdd(&match_count[0], 1u);
  matches[slot] = vec4<u32>(i, j, bitcast<u32>(sqrt(best)), 0u);
}
