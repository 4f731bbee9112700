import { USAGE } from './buffers';

/**
 * GPU time of a block of work: timestamp queries around it when the device has them, else the
 * wall-clock time from submit to `onSubmittedWorkDone` (includes queue latency; good enough for medians).
 */
export class GpuTimer {
  private readonly device: GPUDevice;
  private readonly querySet: GPUQuerySet | null;
  private readonly resolve: GPUBuffer | null;
  private readonly staging: GPUBuffer | null;

  constructor(device: GPUDevice) {
    this.device = device;
    if (device.features.has('timestamp-query')) {
      this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
      this.resolve = device.createBuffer({
        size: 16,
        usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC,
      });
      this.staging = device.createBuffer({ size: 16, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    } else {
      this.querySet = this.resolve = this.staging = null;
    }
  }

  get usesTimestamps(): boolean {
    return this.querySet !== null;
  }

  /** Encode `work` into one command buffer, run it and return its duration in milliseconds. */
  async time(work: (encoder: GPUCommandEncoder) => void): Promise<number> {
    const encoder = this.device.createCommandEncoder({ label: 'timed' });
    if (this.querySet) {
      encoder
        .beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0 } })
        .end();
      work(encoder);
      encoder
        .beginComputePass({ timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 1 } })
        .end();
      encoder.resolveQuerySet(this.querySet, 0, 2, this.resolve!, 0);
      encoder.copyBufferToBuffer(this.resolve!, 0, this.staging!, 0, 16);
      this.device.queue.submit([encoder.finish()]);
      await this.staging!.mapAsync(GPUMapMode.READ);
      const [begin, end] = new BigUint64Array(this.staging!.getMappedRange().slice(0));
      this.staging!.unmap();
      // Some implementations return 0 or non-monotonic stamps; fall back to nothing rather than lie.
      if (end > begin) return Number(end - begin) / 1e6;
      return Number.NaN;
    }
    work(encoder);
    const start = performance.now();
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolve?.destroy();
    this.staging?.destroy();
  }
}

/** Median of a list of durations (NaN entries dropped). */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
