// Tile binning over the depth-sorted visible list (one thread a visible splat, indirect dispatch):
//   count_tiles:  exact tile/ellipse overlap count per splat → tile_counts (then exclusive-scanned);
//   emit_intersections: (tile id, splat id) pairs at the scanned offsets, in depth order, so a stable
//                 sort by tile id keeps every tile's list front to back;
//   tile_ranges:  [start, end) of each tile in the sorted list (one thread an intersection).

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> depth_ids: array<u32>;
@group(0) @binding(2) var<storage, read> records: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> tile_counts: array<u32>; // counts, then offsets in place
@group(0) @binding(4) var<storage, read> state: array<u32>;
@group(0) @binding(5) var<storage, read_write> isect_keys: array<u32>;
@group(0) @binding(6) var<storage, read_write> isect_ids: array<u32>;
@group(0) @binding(7) var<storage, read_write> ranges: array<vec2<u32>>;

struct Footprint {
  mean: vec2<f32>,
  conic: vec3<f32>,
  cutoff: f32,
  rect: vec4<u32>,
}

fn footprint(i: u32) -> Footprint {
  var f: Footprint;
  let a = records[SPLAT_RECORD_VEC4S * i];
  let b = records[SPLAT_RECORD_VEC4S * i + 1u];
  f.mean = a.xy;
  f.conic = b.xyz;
  f.cutoff = b.w;
  f.rect = tile_rect(cam, f.mean, f.conic, f.cutoff);
  return f;
}

@compute @workgroup_size(WG_SIZE)
fn count_tiles(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let k = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (k >= state[0]) { return; }
  let f = footprint(depth_ids[k]);
  var n = 0u;
  for (var ty = f.rect.y; ty < f.rect.w; ty++) {
    for (var tx = f.rect.x; tx < f.rect.z; tx++) {
      if (tile_overlaps(cam, f.mean, f.conic, f.cutoff, tx, ty)) { n++; }
    }
  }
  tile_counts[k] = n;
}

@compute @workgroup_size(WG_SIZE)
fn emit_intersections(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let k = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (k >= state[0]) { return; }
  let id = depth_ids[k];
  let f = footprint(id);
  let base = tile_counts[k];
  let count = tile_counts[k + 1u] - base;
  let capacity = cam.bins.x;
  // Writes are capped at this splat's own count, so a count/emit FP disagreement can never spill into
  // the next splat's slots; entries past the capacity are dropped (the farthest splats' ones).
  var written = 0u;
  for (var ty = f.rect.y; ty < f.rect.w && written < count; ty++) {
    for (var tx = f.rect.x; tx < f.rect.z && written < count; tx++) {
      if (tile_overlaps(cam, f.mean, f.conic, f.cutoff, tx, ty)) {
        let at = base + written;
        if (at < capacity) {
          isect_keys[at] = ty * cam.size.z + tx;
          isect_ids[at] = id;
        }
        written++;
      }
    }
  }
  // If this pass found fewer tiles than the count did, fill the slots with the sentinel tile id, which
  // sorts after every real tile and is ignored by tile_ranges.
  for (; written < count; written++) {
    let at = base + written;
    if (at < capacity) {
      isect_keys[at] = cam.bins.y;
      isect_ids[at] = id;
    }
  }
}

@compute @workgroup_size(WG_SIZE)
fn tile_ranges(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  let n = state[1];
  if (i >= n) { return; }
  let key = isect_keys[i];
  if (key >= cam.bins.y) { return; }
  if (i == 0u || isect_keys[i - 1u] != key) { ranges[key].x = i; }
  if (i + 1u == n || isect_keys[i + 1u] != key) { ranges[key].y = i + 1u; }
}
