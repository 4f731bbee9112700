// One pass of a portable LSD radix sort of u32 key/value pairs, RADIX_BITS bits per pass, reduce-then-scan:
//   histogram_blocks: per-workgroup digit counts, written bucket-major (bucket * max_blocks + block);
//   (the histogram array is then exclusive-scanned by prefix_sum.wgsl, giving each (digit, block) its
//   global output offset: all smaller digits first, then the same digit in earlier blocks);
//   scatter_blocks:   ranks each block's keys stably per digit, sorts the block in workgroup memory and
//                     writes each digit run to its offset (contiguous writes).
// No decoupled look-back and no subgroups: every workgroup only waits on its own barriers, so it runs on
// any WebGPU device (notes/gpu-lessons.md item 3). `copy_back` moves the result home after an odd pass count.
// The count lives on the GPU (`sort_count[0]`); kernels bounds-check against it.

struct RadixParams {
  shift: u32,      // lowest bit of this pass's digit
  digit_mask: u32, // (1 << digit width) - 1; the last pass of an odd keyBits is narrower than RADIX_BITS
  max_blocks: u32, // histogram row length: ceil(capacity / SORT_BLOCK)
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> keys_in: array<u32>;
@group(0) @binding(1) var<storage, read> vals_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys_out: array<u32>;
@group(0) @binding(3) var<storage, read_write> vals_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> histogram: array<u32>;
@group(0) @binding(5) var<storage, read> sort_count: array<u32>;
@group(0) @binding(6) var<uniform> params: RadixParams;

const KEYS_PER_THREAD: u32 = SORT_BLOCK / WG_SIZE;
// Per-thread digit counts are packed two digits per u32 (16-bit lanes): a block total never exceeds
// SORT_BLOCK, so lanes cannot carry into each other, and one scan of RADIX_BUCKETS / 2 words ranks
// every digit at once.
const SCAN_WORDS: u32 = RADIX_BUCKETS / 2u;
const_assert SORT_BLOCK < 65536u;
const_assert SORT_BLOCK % WG_SIZE == 0u;
const_assert RADIX_BUCKETS == 16u;
const_assert SCAN_WORDS * WG_SIZE <= 2u * SORT_BLOCK;

fn digit_of(key: u32) -> u32 {
  return (key >> params.shift) & params.digit_mask;
}

// Whether this workgroup's block holds any key. Workgroup-uniform: the block index comes from the
// workgroup id and the count from a read-only buffer, so returning early cannot split a barrier.
fn block_in_range(block: u32, count: u32) -> bool {
  return block < count / SORT_BLOCK + select(0u, 1u, count % SORT_BLOCK != 0u);
}

var<workgroup> bins: array<atomic<u32>, RADIX_BUCKETS>;

@compute @workgroup_size(WG_SIZE)
fn histogram_blocks(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = linear_workgroup(wid, nwg);
  let count = sort_count[0];
  if (!block_in_range(block, count)) { return; }
  if (lid < RADIX_BUCKETS) { atomicStore(&bins[lid], 0u); }
  workgroupBarrier();
  // Strided by WG_SIZE so neighbouring threads read neighbouring keys.
  for (var j = 0u; j < KEYS_PER_THREAD; j++) {
    let i = block * SORT_BLOCK + j * WG_SIZE + lid;
    if (i < count) { atomicAdd(&bins[digit_of(keys_in[i])], 1u); }
  }
  workgroupBarrier();
  if (lid < RADIX_BUCKETS) {
    histogram[lid * params.max_blocks + block] = atomicLoad(&bins[lid]);
  }
}

// Scan words (word-major: word w of thread t at w * WG_SIZE + t, padded against bank conflicts), later
// reused to stage the sorted block (keys in [0, SORT_BLOCK), values in [SORT_BLOCK, 2 * SORT_BLOCK)).
// About 10 KiB of workgroup memory in all. (SwiftShader's Vulkan zero-init of workgroup memory costs
// every invocation the whole size; Dawn's Tint zero-init does not — see the radix-sort report.)
var<workgroup> scratch: array<u32, 2u * SORT_BLOCK + 2u * SORT_BLOCK / RAKE_LEN>;
var<workgroup> segment_sums: array<u32, SCAN_WORDS * (RAKE_SEGMENTS + 1u)>; // +1: padding per word
var<workgroup> word_totals: array<u32, SCAN_WORDS>;
var<workgroup> digit_start: array<u32, RADIX_BUCKETS>; // first local position of each digit in the block
var<workgroup> digit_dest: array<u32, RADIX_BUCKETS>;  // global output offset of each digit for the block

// The scan of the packed counts is a raking scan: 3 barriers instead of the 2·log2(WG_SIZE) of a
// Hillis–Steele scan, which matters on GPUs (and software GPUs) where barriers are expensive.
const RAKE_SEGMENTS: u32 = WG_SIZE / SCAN_WORDS; // raking threads per word
const RAKE_LEN: u32 = WG_SIZE / RAKE_SEGMENTS;    // values each raking thread scans serially
const_assert RAKE_SEGMENTS * RAKE_LEN == WG_SIZE;

fn padded(i: u32) -> u32 {
  return i + i / RAKE_LEN;
}

// Packed one-hot count of digit `d` as (low digits 0..7, high digits 8..15) word vectors.
fn one_hot(d: u32) -> array<vec4<u32>, 2> {
  let one = vec4<u32>(1u << ((d & 1u) * 16u));
  let w = vec4<u32>(d >> 1u);
  return array<vec4<u32>, 2>(
    select(vec4<u32>(0u), one, w == vec4<u32>(0u, 1u, 2u, 3u)),
    select(vec4<u32>(0u), one, w == vec4<u32>(4u, 5u, 6u, 7u)),
  );
}

fn lane(lo: vec4<u32>, hi: vec4<u32>, d: u32) -> u32 {
  // A select chain rather than a dynamic vector index: SIMD implementations turn those into gathers.
  let w = d >> 1u;
  var word = lo.x;
  word = select(word, lo.y, w == 1u);
  word = select(word, lo.z, w == 2u);
  word = select(word, lo.w, w == 3u);
  word = select(word, hi.x, w == 4u);
  word = select(word, hi.y, w == 5u);
  word = select(word, hi.z, w == 6u);
  word = select(word, hi.w, w == 7u);
  return (word >> ((d & 1u) * 16u)) & 0xffffu;
}

@compute @workgroup_size(WG_SIZE)
fn scatter_blocks(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = linear_workgroup(wid, nwg);
  let count = sort_count[0];
  if (!block_in_range(block, count)) { return; }
  let block_start = block * SORT_BLOCK;
  let in_block = min(count - block_start, SORT_BLOCK);

  // Each thread owns KEYS_PER_THREAD consecutive keys, so block order = (thread, slot) order: that is
  // what makes the ranking stable.
  let first = lid * KEYS_PER_THREAD;
  var keys: array<u32, KEYS_PER_THREAD>;
  var vals: array<u32, KEYS_PER_THREAD>;
  var own_lo = vec4<u32>(0u);
  var own_hi = vec4<u32>(0u);
  for (var j = 0u; j < KEYS_PER_THREAD; j++) {
    if (first + j < in_block) {
      keys[j] = keys_in[block_start + first + j];
      vals[j] = vals_in[block_start + first + j];
      let h = one_hot(digit_of(keys[j]));
      own_lo += h[0];
      own_hi += h[1];
    }
  }
  for (var w = 0u; w < 4u; w++) {
    scratch[padded(w * WG_SIZE + lid)] = own_lo[w];
    scratch[padded((w + 4u) * WG_SIZE + lid)] = own_hi[w];
  }
  workgroupBarrier();

  // Rake: each thread scans RAKE_LEN consecutive threads' values of one word (exclusive, in place).
  {
    let w = lid / RAKE_SEGMENTS;
    let segment = lid % RAKE_SEGMENTS;
    let base = w * WG_SIZE + segment * RAKE_LEN;
    var sum = 0u;
    for (var i = 0u; i < RAKE_LEN; i++) {
      let at = padded(base + i);
      let v = scratch[at];
      scratch[at] = sum;
      sum += v;
    }
    segment_sums[w * (RAKE_SEGMENTS + 1u) + segment] = sum;
  }
  workgroupBarrier();
  // One thread per word scans the segment sums (exclusive) and keeps the word's block total.
  if (lid < SCAN_WORDS) {
    var sum = 0u;
    for (var s = 0u; s < RAKE_SEGMENTS; s++) {
      let at = lid * (RAKE_SEGMENTS + 1u) + s;
      let v = segment_sums[at];
      segment_sums[at] = sum;
      sum += v;
    }
    word_totals[lid] = sum;
  }
  workgroupBarrier();

  // Same-digit keys in earlier threads, per digit (packed).
  var before_lo = vec4<u32>(0u);
  var before_hi = vec4<u32>(0u);
  let segment = lid / RAKE_LEN;
  for (var w = 0u; w < 4u; w++) {
    before_lo[w] = scratch[padded(w * WG_SIZE + lid)] + segment_sums[w * (RAKE_SEGMENTS + 1u) + segment];
    before_hi[w] =
      scratch[padded((w + 4u) * WG_SIZE + lid)] + segment_sums[(w + 4u) * (RAKE_SEGMENTS + 1u) + segment];
  }
  // Each digit's local start is the sum of the block totals of all smaller digits; the scanned
  // histogram gives its global destination.
  if (lid < RADIX_BUCKETS) {
    var start = 0u;
    for (var d = 0u; d < lid; d++) {
      start += (word_totals[d >> 1u] >> ((d & 1u) * 16u)) & 0xffffu;
    }
    digit_start[lid] = start;
    digit_dest[lid] = histogram[lid * params.max_blocks + block];
  }
  workgroupBarrier();

  // Stage each key at its stable local position: digit start + same-digit keys of earlier threads +
  // same-digit keys earlier in this thread. (Every read of the scan words happened before the barrier.)
  for (var j = 0u; j < KEYS_PER_THREAD; j++) {
    if (first + j < in_block) {
      let d = digit_of(keys[j]);
      let local = digit_start[d] + lane(before_lo, before_hi, d);
      scratch[local] = keys[j];
      scratch[SORT_BLOCK + local] = vals[j];
      let h = one_hot(d);
      before_lo += h[0];
      before_hi += h[1];
    }
  }
  workgroupBarrier();

  // Write the sorted block out; consecutive threads write consecutive addresses within a digit run.
  for (var j = 0u; j < KEYS_PER_THREAD; j++) {
    let p = j * WG_SIZE + lid;
    if (p < in_block) {
      let key = scratch[p];
      let d = digit_of(key);
      let dst = digit_dest[d] + p - digit_start[d];
      keys_out[dst] = key;
      vals_out[dst] = scratch[SORT_BLOCK + p];
    }
  }
}

// keys_in/vals_in → keys_out/vals_out for [0, count): brings an odd-pass result back to the caller's
// buffers without touching entries past the count.
@compute @workgroup_size(WG_SIZE)
fn copy_back(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = linear_workgroup(wid, nwg);
  let count = sort_count[0];
  for (var j = 0u; j < KEYS_PER_THREAD; j++) {
    let i = block * SORT_BLOCK + j * WG_SIZE + lid;
    if (i < count) {
      keys_out[i] = keys_in[i];
      vals_out[i] = vals_in[i];
    }
  }
}
