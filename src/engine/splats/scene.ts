/**
 * A Gaussian scene on the GPU: one flat f32 storage buffer per parameter type with the GaussianCloud
 * layouts (means 3n, logScales 3n, rotations 4n wxyz, opacityLogits n, sh n·(deg+1)²·3 coefficient-major),
 * and gradient buffers of the same layouts. Upload and download are plain copies.
 */
import { createBuffer, readF32, STORAGE } from '../gpu/buffers';
import { type GaussianCloud, shCoeffs } from './cloud';
import type { RenderMode } from './raster-constants';

export type SplatParam = 'means' | 'logScales' | 'rotations' | 'opacityLogits' | 'sh';
export const SPLAT_PARAMS: readonly SplatParam[] = ['means', 'logScales', 'rotations', 'opacityLogits', 'sh'];

export type SplatBuffers = Record<SplatParam, GPUBuffer>;

export class GpuScene {
  readonly device: GPUDevice;
  /** Most splats the buffers hold. */
  readonly capacity: number;
  /** SH degree stored (0–3): (deg+1)² coefficients a splat. */
  readonly shDegree: number;
  /** The screen-space filter every render of this scene uses (see RenderMode). */
  readonly renderMode: RenderMode;
  /** Splats in use (set by upload or by the owner). */
  count = 0;
  readonly params: SplatBuffers;
  readonly grads: SplatBuffers;

  constructor(device: GPUDevice, capacity: number, shDegree: number, renderMode: RenderMode = 'classic') {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new Error(`GpuScene: bad capacity ${capacity}`);
    if (!(Number.isInteger(shDegree) && shDegree >= 0 && shDegree <= 3))
      throw new Error(`GpuScene: SH degree ${shDegree} outside 0–3`);
    this.device = device;
    this.capacity = capacity;
    this.shDegree = shDegree;
    this.renderMode = renderMode;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    for (const name of SPLAT_PARAMS) {
      const bytes = capacity * this.floatsPer(name) * 4;
      if (bytes > limit) {
        throw new Error(
          `GpuScene: ${name} of ${capacity} splats (SH degree ${shDegree}) needs ${bytes} bytes, ` +
            `above this device's storage binding limit of ${limit} bytes`,
        );
      }
    }
    const make = (kind: string): SplatBuffers => {
      const out = {} as SplatBuffers;
      for (const name of SPLAT_PARAMS) {
        out[name] = createBuffer(
          device,
          `splat ${kind} ${name}`,
          capacity * this.floatsPer(name) * 4,
          STORAGE,
        );
      }
      return out;
    };
    this.params = make('param');
    this.grads = make('grad');
  }

  static fromCloud(device: GPUDevice, cloud: GaussianCloud, capacity = cloud.count): GpuScene {
    const scene = new GpuScene(device, Math.max(capacity, 1), cloud.shDegree, cloud.renderMode);
    scene.upload(cloud);
    return scene;
  }

  /** f32 a splat of one parameter type. */
  floatsPer(name: SplatParam): number {
    switch (name) {
      case 'means':
      case 'logScales':
        return 3;
      case 'rotations':
        return 4;
      case 'opacityLogits':
        return 1;
      case 'sh':
        return shCoeffs(this.shDegree) * 3;
    }
  }

  /** Copy a cloud in (its SH degree must match; count ≤ capacity). Sets `count`. */
  upload(cloud: GaussianCloud): void {
    if (cloud.count > this.capacity)
      throw new Error(`GpuScene: ${cloud.count} splats exceed ${this.capacity}`);
    if (cloud.shDegree !== this.shDegree)
      throw new Error(`GpuScene: cloud SH degree ${cloud.shDegree} ≠ scene's ${this.shDegree}`);
    for (const name of SPLAT_PARAMS) {
      const data = cloud[name];
      const floats = cloud.count * this.floatsPer(name);
      if (data.length < floats) throw new Error(`GpuScene: ${name} holds ${data.length} < ${floats} floats`);
      if (floats > 0) this.device.queue.writeBuffer(this.params[name], 0, data, 0, floats);
    }
    this.count = cloud.count;
  }

  /** The current parameters as a cloud (waits for the GPU). */
  download(): Promise<GaussianCloud> {
    return this.read(this.params);
  }

  /** The gradient buffers in the cloud layout (waits for the GPU). */
  downloadGradients(): Promise<GaussianCloud> {
    return this.read(this.grads);
  }

  clearGradients(encoder: GPUCommandEncoder): void {
    for (const name of SPLAT_PARAMS) {
      encoder.clearBuffer(this.grads[name], 0, Math.max(4, this.count * this.floatsPer(name) * 4));
    }
  }

  destroy(): void {
    for (const name of SPLAT_PARAMS) {
      this.params[name].destroy();
      this.grads[name].destroy();
    }
  }

  private async read(buffers: SplatBuffers): Promise<GaussianCloud> {
    const n = this.count;
    const get = (name: SplatParam) =>
      n === 0
        ? Promise.resolve(new Float32Array(0))
        : readF32(this.device, buffers[name], n * this.floatsPer(name));
    const [means, logScales, rotations, opacityLogits, sh] = await Promise.all(SPLAT_PARAMS.map(get));
    const { shDegree, renderMode } = this;
    return { count: n, shDegree, means, logScales, rotations, opacityLogits, sh, renderMode };
  }
}
