// Mean distance to the 3 nearest neighbours of every point, through a spatial hash of grid cells:
// points are bucketed by the hash of their cell (counting sort: one atomic per point for its slot, a
// prefix sum for bucket starts, a scatter), then each point scans the buckets of its 27 neighbouring
// cells. Hash collisions only add candidates; every true neighbour within one cell size is visited.

@group(0) @binding(1) var<storage, read_write> bucket_counts: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> point_bucket: array<u32>;
@group(0) @binding(3) var<storage, read_write> point_slot: array<u32>;

@compute @workgroup_size(WG_SIZE)
fn count_buckets(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let bucket = hash_cell(cell_of(point_at(i)));
  point_bucket[i] = bucket;
  point_slot[i] = atomicAdd(&bucket_counts[bucket], 1u);
}
