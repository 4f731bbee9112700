// Second half of the kNN (see knn.wgsl): scatter points into bucket order, then query 27 cells.
@group(0) @binding(1) var<storage, read> bucket_starts: array<u32>;
@group(0) @binding(2) var<storage, read> point_bucket: array<u32>;
@group(0) @binding(3) var<storage, read> point_slot: array<u32>;
@group(0) @binding(5) var<storage, read_write> sorted_points: array<u32>;
@group(0) @binding(6) var<storage, read_write> mean_distance: array<f32>;

fn bucket_end(b: u32) -> u32 {
  if (b + 1u < params.table_size) { return bucket_starts[b + 1u]; }
  return params.count;
}

@compute @workgroup_size(WG_SIZE)
fn scatter(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  sorted_points[bucket_starts[point_bucket[i]] + point_slot[i]] = i;
}

@compute @workgroup_size(WG_SIZE)
fn query(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let p = point_at(i);
  let home = cell_of(p);
  // The three smallest squared distances, ascending.
  var best = vec3<f32>(3.4e38, 3.4e38, 3.4e38);
  var visited: array<u32, 27>;
  var n_visited = 0u;
  for (var dz = -1; dz <= 1; dz++) {
    for (var dy = -1; dy <= 1; dy++) {
      for (var dx = -1; dx <= 1; dx++) {
        let b = hash_cell(home + vec3<i32>(dx, dy, dz));
        // Two neighbouring cells can hash to one bucket: scan each bucket once.
        var seen = false;
        for (var k = 0u; k < n_visited; k++) { if (visited[k] == b) { seen = true; } }
        if (seen) { continue; }
        visited[n_visited] = b;
        n_visited++;
        for (var s = bucket_starts[b]; s < bucket_end(b); s++) {
          let j = sorted_points[s];
          if (j == i) { continue; }
          let d = p - point_at(j);
          let d2 = dot(d, d);
          if (d2 < best.z) {
            if (d2 < best.y) {
              best.z = best.y;
              if (d2 < best.x) { best.y = best.x; best.x = d2; } else { best.y = d2; }
            } else {
              best.z = d2;
            }
          }
        }
      }
    }
  }
  var sum = 0.0;
  for (var k = 0u; k < 3u; k++) {
    let d2 = best[k];
    sum += select(params.fallback, sqrt(d2), d2 < 3.0e38);
  }
  mean_distance[i] = sum / 3.0;
}
