// Spatially well-distributed top-K of the DoG candidates, all on the GPU (features/select.ts):
//   start:     indirect args for candidate-sized dispatches, radix-select state, zeroed histogram
//   scatter:   bucket candidates by grid cell (cell_start = exclusive scan of the per-cell counts)
//   rank:      rank of each candidate inside its cell by response (and near-duplicate removal); the
//              selection key is (rank << 24) | (2^24 − 1 − quantised response): every cell's best comes
//              first, then every cell's second best, …, each round strongest first
//   histogram/choose (4 passes of 8 bits): radix select of the K-th smallest key
//   compact:   keys below the K-th, plus enough ties, go to the keypoint list
//   orient_args, describe_args: indirect args for the per-keypoint kernels (orient, describe, normalise, sample)

struct SelectParams {
  capacity: u32,     // candidate buffer size
  wanted: u32,       // keypoints to select (K)
  max_features: u32, // oriented keypoints (primary + extra orientations) the output holds
  pad: u32,
  dup_dist: f32,     // base pixels: closer candidates of similar scale are one keypoint
  dup_scale: f32,    // octaves (log2 of the scale ratio)
  first_octave: f32, // −1 when octave 0 is the 2× enlarged image, else 0
  pad2: f32,
}

@group(0) @binding(0) var<uniform> params: SelectParams;
@group(0) @binding(1) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> cands: array<Candidate>;
@group(0) @binding(3) var<storage, read> cell_count: array<u32>;
@group(0) @binding(4) var<storage, read> cell_start: array<u32>;
@group(0) @binding(5) var<storage, read_write> bucket: array<u32>;
@group(0) @binding(6) var<storage, read_write> hist: array<atomic<u32>, FEAT_SELECT_BINS>;
@group(0) @binding(7) var<storage, read_write> args: array<u32>;
@group(0) @binding(8) var<storage, read_write> kps: array<Candidate>;

// One indirect dispatch (x, 1, 1) at `slot` of the args buffer.
fn set_args(slot: u32, x: u32) {
  args[slot] = x;
  args[slot + 1u] = 1u;
  args[slot + 2u] = 1u;
}

fn candidate_count() -> u32 {
  return min(atomicLoad(&counters[FEAT_CTR_CANDIDATES]), params.capacity);
}

@compute @workgroup_size(FEAT_SELECT_BINS)
fn start(@builtin(local_invocation_index) lid: u32) {
  atomicStore(&hist[lid], 0u);
  if (lid == 0u) {
    set_args(0u, (candidate_count() + WG_SIZE - 1u) / WG_SIZE);
    atomicStore(&counters[FEAT_CTR_SELECTED], 0u);
    atomicStore(&counters[FEAT_CTR_TIES], 0u);
    atomicStore(&counters[FEAT_CTR_EXTRA], 0u);
    atomicStore(&counters[FEAT_CTR_PREFIX], 0u);
    atomicStore(&counters[FEAT_CTR_REMAINING], params.wanted);
    atomicStore(&counters[FEAT_CTR_DONE], 0u);
    atomicStore(&counters[FEAT_CTR_PASS], 0u);
  }
}

@compute @workgroup_size(WG_SIZE)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= candidate_count()) { return; }
  let c = cands[i];
  bucket[cell_start[c.cell] + c.slot] = i;
}

// Fields are read one by one: `rank` writes `key` of its own record while others read theirs.
fn base_xy(i: u32) -> vec2<f32> {
  let e = i32(cands[i].octave) + i32(params.first_octave);
  return vec2<f32>(ldexp(cands[i].x, e), ldexp(cands[i].y, e)) + 0.5; // exact powers of two
}

fn log_scale(i: u32) -> f32 {
  return f32(cands[i].octave) + cands[i].level / f32(FEAT_SCALES);
}

@compute @workgroup_size(WG_SIZE)
fn rank(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= candidate_count()) { return; }
  let response = cands[i].response;
  let cell = cands[i].cell;
  let p = base_xy(i);
  let ls = log_scale(i);
  let first = cell_start[cell];
  let count = cell_count[cell];
  var better = 0u;
  var duplicate = false;
  for (var k = 0u; k < count; k++) {
    let j = bucket[first + k];
    let other = cands[j].response;
    if (other > response || (other == response && j < i)) {
      better++;
      let d = abs(base_xy(j) - p);
      if (max(d.x, d.y) <= params.dup_dist && abs(log_scale(j) - ls) <= params.dup_scale) {
        duplicate = true;
      }
    }
  }
  var key = NO_KEY;
  if (!duplicate) {
    let q = u32(clamp(response, 0.0, 1.0) * 16777215.0);
    key = (min(better, 255u) << 24u) | (16777215u - q);
  }
  cands[i].key = key;
}

// Global atomics straight away: a workgroup-local histogram would need shared memory and barriers,
// which cost more than they save on SwiftShader (and there are at most a few thousand candidates).
@compute @workgroup_size(WG_SIZE)
fn histogram(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= candidate_count() || atomicLoad(&counters[FEAT_CTR_DONE]) != 0u) { return; }
  let key = cands[i].key;
  if (key == NO_KEY) { return; }
  let pass_index = atomicLoad(&counters[FEAT_CTR_PASS]);
  let shift = 24u - 8u * pass_index;
  // Only keys that share the digits chosen so far take part (none chosen in pass 0).
  if (pass_index > 0u && (key >> (shift + 8u)) != (atomicLoad(&counters[FEAT_CTR_PREFIX]) >> (shift + 8u))) {
    return;
  }
  atomicAdd(&hist[(key >> shift) & 0xffu], 1u);
}

// One thread: find the digit that holds the K-th key (a 256-bin serial scan), clear the histogram.
@compute @workgroup_size(1)
fn choose() {
  let pass_index = atomicLoad(&counters[FEAT_CTR_PASS]);
  atomicStore(&counters[FEAT_CTR_PASS], pass_index + 1u);
  let done = atomicLoad(&counters[FEAT_CTR_DONE]) != 0u;
  let remaining = atomicLoad(&counters[FEAT_CTR_REMAINING]);
  var total = 0u;
  var digit = FEAT_SELECT_BINS;
  var below = 0u;
  for (var b = 0u; b < FEAT_SELECT_BINS; b++) {
    let n = atomicExchange(&hist[b], 0u);
    if (digit == FEAT_SELECT_BINS && total + n >= remaining) {
      digit = b;
      below = total;
    }
    total += n;
  }
  if (done || pass_index >= 4u) { return; }
  if (pass_index == 0u && total <= remaining) {
    // Fewer candidates than K: take them all.
    atomicStore(&counters[FEAT_CTR_DONE], 1u);
    atomicStore(&counters[FEAT_CTR_PREFIX], NO_KEY);
    atomicStore(&counters[FEAT_CTR_REMAINING], 0u);
    return;
  }
  let shift = 24u - 8u * pass_index;
  atomicStore(&counters[FEAT_CTR_PREFIX], atomicLoad(&counters[FEAT_CTR_PREFIX]) | (digit << shift));
  atomicStore(&counters[FEAT_CTR_REMAINING], remaining - below);
}

@compute @workgroup_size(WG_SIZE)
fn compact(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= candidate_count()) { return; }
  let key = cands[i].key;
  if (key == NO_KEY) { return; }
  let threshold = atomicLoad(&counters[FEAT_CTR_PREFIX]);
  var take = key < threshold;
  if (key == threshold) {
    take = atomicAdd(&counters[FEAT_CTR_TIES], 1u) < atomicLoad(&counters[FEAT_CTR_REMAINING]);
  }
  if (take) {
    let slot = atomicAdd(&counters[FEAT_CTR_SELECTED], 1u);
    kps[slot] = cands[i];
  }
}

@compute @workgroup_size(1)
fn orient_args() {
  set_args(FEAT_ARGS_ORIENT, (atomicLoad(&counters[FEAT_CTR_SELECTED]) + FEAT_ORI_WG - 1u) / FEAT_ORI_WG);
}

@compute @workgroup_size(1)
fn describe_args() {
  let selected = atomicLoad(&counters[FEAT_CTR_SELECTED]);
  let extra = atomicLoad(&counters[FEAT_CTR_EXTRA]);
  let total = min(selected + extra, params.max_features);
  atomicStore(&counters[FEAT_CTR_TOTAL], total);
  set_args(FEAT_ARGS_DESCRIBE, (total + FEAT_DESC_KP_PER_WG - 1u) / FEAT_DESC_KP_PER_WG);
  set_args(FEAT_ARGS_NORMALISE, (total + WG_SIZE - 1u) / WG_SIZE);
  set_args(FEAT_ARGS_SAMPLE, (total * FEAT_DESC_GRID * FEAT_DESC_GRID + WG_SIZE - 1u) / WG_SIZE);
}
