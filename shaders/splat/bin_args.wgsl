// One-thread kernels that turn GPU-only counts into indirect dispatch arguments (split into a 2D grid
// above the per-dimension limit, as splitDispatch() does on the CPU), so no count is read back per frame.
//   args[0..3]: one thread per visible splat; args[3..6]: one thread per intersection.
// state: [visible, intersections kept (≤ capacity), intersections requested, 0].

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read_write> state: array<u32>;
@group(0) @binding(2) var<storage, read_write> args: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>; // exclusive scan of tile counts, splats + 1 entries

fn write_args(at: u32, threads: u32) {
  let groups = threads / WG_SIZE + select(0u, 1u, threads % WG_SIZE != 0u);
  let max_dim = cam.bins.z;
  var x = max(groups, 1u);
  var y = 1u;
  if (groups > max_dim) {
    y = (groups + max_dim - 1u) / max_dim;
    x = (groups + y - 1u) / y;
  }
  args[at] = x;
  args[at + 1u] = y;
  args[at + 2u] = 1u;
}

@compute @workgroup_size(1)
fn visible_args() {
  write_args(0u, state[0]);
}

// Clamp the intersection count to the buffer capacity (emission never writes past it) and record both.
@compute @workgroup_size(1)
fn intersection_args() {
  let total = offsets[cam.counts.x];
  let kept = min(total, cam.bins.x);
  state[1] = kept;
  state[2] = total;
  write_args(3u, kept);
}
