/**
 * Farthest point sampling on the GPU (shaders/diffusion/fps.wgsl): P picks from the global cloud in one
 * dispatch of one workgroup, then a single readback of the [P,6] (xyz, rgb) tensor the structure encoder
 * takes. Large clouds are first thinned to `maxCandidates` by a fixed stride, which bounds the cost at
 * candidates × P / FPS_WG distance updates per thread.
 */
import dispatchWgsl from '../../../../shaders/common/dispatch.wgsl?raw';
import fpsWgsl from '../../../../shaders/diffusion/fps.wgsl?raw';
import type { PointCloud } from '../../geometry/types';
import { createBuffer, readBuffer, STORAGE, uniformBuffer } from '../../gpu/buffers';
import { bindBuffers, computePipeline } from '../../gpu/pipelines';

export interface FpsResult {
  /** Indices into the cloud of the picks, in pick order. */
  indices: Uint32Array;
  /** [P,6] float: xyz, rgb of the picks. */
  points: Float32Array;
}

export interface FpsOptions {
  /** First pick (default 0). */
  start?: number;
  /** Thin clouds larger than this by a fixed stride first (default 65,536). */
  maxCandidates?: number;
}

/** Records the FPS dispatch over `count` packed points (vec4 xyz_ and rgb_) into `selected` / `out`. */
export function encodeFps(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  buffers: { points: GPUBuffer; colors: GPUBuffer; dist: GPUBuffer; selected: GPUBuffer; out: GPUBuffer },
  count: number,
  samples: number,
  start = 0,
): GPUBuffer {
  const pipe = computePipeline(device, {
    label: 'farthest point sampling',
    sources: [dispatchWgsl, fpsWgsl],
    entryPoint: 'farthest_points',
  });
  const params = uniformBuffer(device, 'fps params', Uint32Array.of(count, samples, start, 0));
  const pass = encoder.beginComputePass({ label: 'fps' });
  pass.setPipeline(pipe);
  pass.setBindGroup(
    0,
    bindBuffers(device, pipe, [
      params,
      buffers.points,
      buffers.colors,
      buffers.dist,
      buffers.selected,
      buffers.out,
    ]),
  );
  pass.dispatchWorkgroups(1);
  pass.end();
  return params;
}

/** Candidate indices: every point, or a fixed stride through a large cloud. */
function candidates(count: number, max: number): Uint32Array {
  if (count <= max) return Uint32Array.from({ length: count }, (_, i) => i);
  const step = count / max;
  return Uint32Array.from({ length: max }, (_, i) => Math.floor(i * step));
}

export async function farthestPointSample(
  device: GPUDevice,
  cloud: PointCloud,
  samples: number,
  options: FpsOptions = {},
): Promise<FpsResult> {
  if (cloud.count === 0) throw new Error('farthest point sampling: empty point cloud');
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`farthest point sampling: bad P ${samples}`);
  const cand = candidates(cloud.count, options.maxCandidates ?? 65_536);
  const n = cand.length;
  const pts = new Float32Array(4 * n);
  const cols = new Float32Array(4 * n);
  for (let j = 0; j < n; j++) {
    const i = cand[j];
    pts.set(cloud.positions.subarray(3 * i, 3 * i + 3), 4 * j);
    cols.set(cloud.colors.subarray(3 * i, 3 * i + 3), 4 * j);
  }
  const buffers = {
    points: createBuffer(device, 'fps points', pts),
    colors: createBuffer(device, 'fps colours', cols),
    dist: createBuffer(device, 'fps distances', 4 * n, STORAGE),
    selected: createBuffer(device, 'fps selected', 4 * samples, STORAGE),
    out: createBuffer(device, 'fps out', 24 * samples, STORAGE),
  };
  const encoder = device.createCommandEncoder({ label: 'fps' });
  const params = encodeFps(device, encoder, buffers, n, samples, Math.min(options.start ?? 0, n - 1));
  device.queue.submit([encoder.finish()]);
  try {
    const sel = new Uint32Array(await readBuffer(device, buffers.selected, 4 * samples));
    const out = new Float32Array(await readBuffer(device, buffers.out, 24 * samples));
    return { indices: sel.map((j) => cand[j]), points: out };
  } finally {
    params.destroy();
    for (const b of Object.values(buffers)) b.destroy();
  }
}

/** Plain-TS reference with the kernel's float32 rounding and tie rule (smallest index wins). */
export function farthestPointSampleCpu(positions: Float32Array, count: number, samples: number, start = 0) {
  const f = Math.fround;
  const dist = new Float32Array(count).fill(3.0e38);
  const out = new Uint32Array(samples);
  let cur = start;
  for (let s = 0; s < samples; s++) {
    out[s] = cur;
    const px = positions[3 * cur];
    const py = positions[3 * cur + 1];
    const pz = positions[3 * cur + 2];
    let bd = -1;
    let bi = 0;
    for (let i = 0; i < count; i++) {
      const dx = f(positions[3 * i] - px);
      const dy = f(positions[3 * i + 1] - py);
      const dz = f(positions[3 * i + 2] - pz);
      const d = Math.min(dist[i], f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz)));
      dist[i] = d;
      if (d > bd) {
        bd = d;
        bi = i;
      }
    }
    cur = bi;
  }
  return out;
}
