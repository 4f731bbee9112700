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
  // Each thread owns SCAN_PER_THREAD consecutive elements: fewer workgroups and barriers per element.
  let base = block * SCAN_BLOCK + lid * SCAN_PER_THREAD;
  var local: array<u32, SCAN_PER_THREAD>;
  var sum = 0u;
  for (var k = 0u; k < SCAN_PER_THREAD; k++) {
    var v = 0u;
    if (base + k < params.count) { v = data[base + k]; }
    local[k] = sum;
    sum = sum + v;
  }

  // Hillis–Steele inclusive scan of the per-thread sums (every thread reaches every barrier).
  partial[lid] = sum;
  workgroupBarrier();
  for (var offset = 1u; offset < WG_SIZE; offset = offset << 1u) {
    var v = partial[lid];
    if (lid >= offset) { v = v + partial[lid - offset]; }
    workgroupBarrier();
    partial[lid] = v;
    workgroupBarrier();
  }
  let inclusive = partial[lid];
  let exclusive = inclusive - sum;
  for (var k = 0u; k < SCAN_PER_THREAD; k++) {
    if (base + k < params.count) { data[base + k] = exclusive + local[k]; }
  }
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
  let base = block * SCAN_BLOCK + lid * SCAN_PER_THREAD;
  for (var k = 0u; k < SCAN_PER_THREAD; k++) {
    if (base + k < params.count) { data[base + k] = data[base + k] + offset; }
  }
}
