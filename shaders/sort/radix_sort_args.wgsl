// Indirect dispatch arguments for a radix sort whose count only the GPU knows: one workgroup per SORT_BLOCK
// keys, split into a 2D grid above max_per_dim exactly like splitDispatch() in gpu/dispatch.ts. Also
// copies the (capacity-clamped) count where the sort kernels read it.

struct ArgsParams {
  count_index: u32, // u32 index of the count in count_source (byte offset / 4)
  capacity: u32,
  max_per_dim: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> count_source: array<u32>;
@group(0) @binding(1) var<storage, read_write> dispatch_args: array<u32>; // x, y, z
@group(0) @binding(2) var<storage, read_write> sort_count_out: array<u32>;
@group(0) @binding(3) var<uniform> args: ArgsParams;

@compute @workgroup_size(1)
fn write_dispatch_args() {
  let count = min(count_source[args.count_index], args.capacity);
  let groups = count / SORT_BLOCK + select(0u, 1u, count % SORT_BLOCK != 0u);
  var x = max(groups, 1u);
  var y = 1u;
  if (groups > args.max_per_dim) {
    y = (groups + args.max_per_dim - 1u) / args.max_per_dim;
    x = (groups + y - 1u) / y;
  }
  dispatch_args[0] = x;
  dispatch_args[1] = y;
  dispatch_args[2] = 1u;
  sort_count_out[0] = count;
}
