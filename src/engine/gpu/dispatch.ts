import { GPU_CONSTANTS } from './constants';

/**
 * A 1D workgroup count split into a 2D grid when it exceeds the per-dimension limit. Shaders recover
 * the linear workgroup index as `wid.x + wid.y * nwg.x` (see shaders/common/dispatch.wgsl) and return
 * early past the real count.
 */
export function splitDispatch(
  workgroups: number,
  maxPerDim: number = GPU_CONSTANTS.MAX_WORKGROUPS_PER_DIM,
): [number, number] {
  if (workgroups <= maxPerDim) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / maxPerDim);
  const x = Math.ceil(workgroups / y);
  return [x, y];
}

/** Dispatch enough workgroups of `groupSize` threads to cover `items`, splitting above the limit. */
export function dispatch1D(
  pass: GPUComputePassEncoder,
  items: number,
  groupSize: number = GPU_CONSTANTS.WG_SIZE,
): void {
  const [x, y] = splitDispatch(Math.ceil(items / groupSize));
  pass.dispatchWorkgroups(x, y);
}
