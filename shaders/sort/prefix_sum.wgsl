// Exclusive prefix sum of u32, one SCAN_BLOCK-sized block per workgroup (reduce-then-scan, multi-level):
// scan_blocks scans each block in place and writes the block total; the totals are scanned the same way
// one level up; add_offsets adds each block's scanned total back. No decoupled look-back: portable.

struct ScanParams {
  count: u32,       // elements at this level
  block_count: u32, // ceil(count / SCAN_BLOCK)
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> block_sums: array<u32>;
@group(0) @binding(2) var<uniform> params: ScanParams;

var<workgroup> partial: array<u32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn scan_blocks(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = linear_workgroup(wid, nwg);
  let base = block * SCAN_BLOCK + lid * 2u;
  var a = 0u;
  var b = 0u;
  if (base < params.count) { a = data[base]; }
  if (base + 1u < params.count) { b = data[base + 1u]; }
  let pair = a + b;

  // Hillis–Steele inclusive scan of the per-thread pair sums (every thread reaches every barrier).
  partial[lid] = pair;
  workgroupBarrier();
  for (var offset = 1u; offset < WG_SIZE; offset = offset << 1u) {
    var v = partial[lid];
    if (lid >= offset) { v = v + partial[lid - offset]; }
    workgroupBarrier();
    partial[lid] = v;
    workgroupBarrier();
  }
  let inclusive = partial[lid];
  let exclusive = inclusive - pair;
  if (base < params.count) { data[base] = exclusive; }
  if (base + 1u < params.count) { data[base + 1u] = exclusive + a; }
  if (lid == WG_SIZE - 1u && block < params.block_count) { block_sums[block] = inclusive; }
}

@compute @workgroup_size(WG_SIZE)
fn add_offsets(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = linear_workgroup(wid, nwg);
  if (block >= params.block_count) { return; }
  let offset = block_sums[block];
  let base = block * SCAN_BLOCK + lid * 2u;
  if (base < params.count) { data[base] = data[base] + offset; }
  if (base + 1u < params.count) { data[base + 1u] = data[base + 1u] + offset; }
}
