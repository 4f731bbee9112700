import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readF32 } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { lcg } from '../util/random';
import { Adam, type AdamGroup, adamReference } from './adam';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

/** Gradients of mixed magnitude (1e-7..1e-1), both signs, some exactly zero. */
function gradients(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, (_, i) =>
    i % 37 === 0 ? 0 : (r() - 0.4) * 10 ** (-1 - Math.floor(r() * 7)),
  );
}

interface Spec {
  count: number;
  stride: number;
  scale: Float32Array | null;
  /** Floats of each stride at the full rate; the rest at lr × tail (SH DC vs higher bands). */
  head?: number;
  tail?: number;
}

interface State {
  spec: Spec;
  param: Float64Array;
  /** Largest |gradient| seen per float: the scale of f32 rounding in m and v. */
  gmax: Float64Array;
  m: Float64Array;
  v: Float64Array;
  buffers: { param: GPUBuffer; m: GPUBuffer; v: GPUBuffer; scale: GPUBuffer | null };
}

/** Worst |got − want| / (abs_i + rel·|want|) over the entries; abs per entry or shared. */
function maxError(
  got: Float32Array,
  want: Float64Array,
  rel: number,
  abs: number | ArrayLike<number>,
): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const a = typeof abs === 'number' ? abs : abs[i];
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (a + rel * Math.abs(want[i])));
  }
  return worst; // ≤ 1 means within tolerance everywhere
}

/**
 * Runs `steps` Adam steps of every spec (all groups of a step in one submit, or every step in one
 * submit) and compares param, m and v with the float64 reference.
 */
async function runAdam(specs: Spec[], steps: number, oneSubmit: boolean): Promise<void> {
  const device = gpu.device;
  const adam = new Adam(device);
  const states: State[] = specs.map((spec, k) => {
    const r = lcg(100 + k);
    const init = Float32Array.from({ length: spec.count }, () => r() * 2 - 1);
    const moments = adam.createMoments(spec.count);
    return {
      spec,
      param: Float64Array.from(init),
      gmax: new Float64Array(spec.count),
      m: new Float64Array(spec.count),
      v: new Float64Array(spec.count),
      buffers: {
        param: createBuffer(device, 'param', init),
        ...moments,
        scale: spec.scale ? createBuffer(device, 'lr scale', spec.scale) : null,
      },
    };
  });
  const transient: GPUBuffer[] = [];
  let encoder = device.createCommandEncoder();
  for (let step = 1; step <= steps; step++) {
    const lr = 0.01 * 0.8 ** step; // a schedule: every step has its own lr
    states.forEach((s, k) => {
      const g = gradients(s.spec.count, step * 31 + k);
      for (let i = 0; i < g.length; i++) s.gmax[i] = Math.max(s.gmax[i], Math.abs(g[i]));
      adamReference(s.param, g, s.m, s.v, {
        lr,
        step,
        stride: s.spec.stride,
        lrScale: s.spec.scale,
        headFloats: s.spec.head,
        tailLrScale: s.spec.tail,
      });
      const grad = createBuffer(device, 'grad', g); // one per step: all steps may share a submit
      transient.push(grad);
      const group: AdamGroup = {
        param: s.buffers.param,
        grad,
        m: s.buffers.m,
        v: s.buffers.v,
        count: s.spec.count,
        lr,
        stride: s.spec.stride,
        lrScale: s.buffers.scale,
        headFloats: s.spec.head,
        tailLrScale: s.spec.tail,
      };
      adam.encodeGroup(encoder, group, step);
    });
    if (!oneSubmit) {
      device.queue.submit([encoder.finish()]);
      encoder = device.createCommandEncoder();
    }
  }
  device.queue.submit([encoder.finish()]);
  for (const s of states) {
    const param = await readF32(device, s.buffers.param, s.spec.count);
    const m = await readF32(device, s.buffers.m, s.spec.count);
    const v = await readF32(device, s.buffers.v, s.spec.count);
    let moved = 0;
    for (let i = 0; i < s.spec.count; i++) moved = Math.max(moved, Math.abs(param[i] - s.param[i]));
    const errors = {
      param: maxError(param, s.param, 1e-5, 1e-6),
      m: maxError(
        m,
        s.m,
        1e-5,
        s.gmax.map((g) => 1e-6 * g + 1e-30),
      ),
      v: maxError(
        v,
        s.v,
        1e-5,
        s.gmax.map((g) => 1e-6 * g * g + 1e-30),
      ),
    };
    console.log(`adam count ${s.spec.count} stride ${s.spec.stride} scale ${!!s.spec.scale}:`, errors);
    expect(errors.param).toBeLessThanOrEqual(1);
    expect(errors.m).toBeLessThanOrEqual(1);
    expect(errors.v).toBeLessThanOrEqual(1);
    for (const b of Object.values(s.buffers)) b?.destroy();
  }
  for (const b of transient) b.destroy();
  adam.destroy();
}

describe('GPU Adam', () => {
  const scale = Float32Array.from({ length: 333 }, (_, i) => 1 + ((i * 7919) % 27));

  it('matches the reference over several steps, two groups per submit, without and with lrScale', async () => {
    await runAdam(
      [
        { count: 1000, stride: 1, scale: null },
        { count: 999, stride: 3, scale },
      ],
      6,
      false,
    );
  });

  it('keeps per-call parameters apart when every step of every group shares one submit', async () => {
    await runAdam(
      [
        { count: 257, stride: 1, scale: null },
        { count: 999, stride: 3, scale },
        { count: 4, stride: 4, scale: Float32Array.of(0.5) },
      ],
      5,
      true,
    );
  });

  it('gives the floats past the head of each stride the tail rate (SH rest at DC/20)', async () => {
    await runAdam(
      [
        {
          count: 48 * 50,
          stride: 48,
          scale: Float32Array.from({ length: 50 }, (_, i) => 1 + (i % 5)),
          head: 3,
          tail: 0.05,
        },
      ],
      4,
      false,
    );
  });

  it('moves parameters against the gradient by about lr on the first step', async () => {
    const device = gpu.device;
    const adam = new Adam(device);
    const param = createBuffer(device, 'p', new Float32Array(4));
    const grad = createBuffer(device, 'g', Float32Array.of(1e-3, -2, 0, 5e-6));
    const { m, v } = adam.createMoments(4);
    const encoder = device.createCommandEncoder();
    adam.encodeGroup(encoder, { param, grad, m, v, count: 4, lr: 0.1 }, 1);
    device.queue.submit([encoder.finish()]);
    const p = await readF32(device, param, 4);
    expect(Array.from(p).map((x) => Number(x.toFixed(6)))).toEqual([-0.1, 0.1, 0, -0.1]);
    for (const b of [param, grad, m, v]) b.destroy();
    adam.destroy();
  });
});
