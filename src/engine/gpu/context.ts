import { type AcquireOptions, acquireGpu, type GpuHandle } from './device';
import { deviceLost, type GpuError } from './errors';

type Restorer = (handle: GpuHandle) => void | Promise<void>;

/**
 * Owns the current device and survives its loss: on loss it tells listeners (a typed GpuError), then
 * acquires a new device and runs every registered restorer so that owners re-upload their state from
 * the CPU copies they keep.
 */
export class GpuContext {
  private current: GpuHandle;
  private readonly options: AcquireOptions;
  private readonly restorers = new Set<Restorer>();
  private readonly lostListeners = new Set<(error: GpuError) => void>();
  private readonly recoveredListeners = new Set<(handle: GpuHandle) => void>();
  private disposed = false;
  private recovering: Promise<GpuHandle> | null = null;
  /** Whether a lost device is replaced automatically. */
  autoRecover: boolean;

  private constructor(handle: GpuHandle, options: AcquireOptions, autoRecover: boolean) {
    this.current = handle;
    this.options = options;
    this.autoRecover = autoRecover;
    this.watch(handle.device);
  }

  static async create(options: AcquireOptions = {}, autoRecover = true): Promise<GpuContext> {
    return new GpuContext(await acquireGpu(options), options, autoRecover);
  }

  get handle(): GpuHandle {
    return this.current;
  }

  get device(): GPUDevice {
    return this.current.device;
  }

  /** Re-upload state after a new device replaced a lost one. Returns an unregister function. */
  onRestore(restorer: Restorer): () => void {
    this.restorers.add(restorer);
    return () => this.restorers.delete(restorer);
  }

  onLost(listener: (error: GpuError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  onRecovered(listener: (handle: GpuHandle) => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  /** Replace the device (after a loss) and run the restorers. Concurrent calls share one recovery. */
  recover(): Promise<GpuHandle> {
    if (!this.recovering) {
      this.recovering = (async () => {
        const lostDevice = this.current.device;
        const handle = await acquireGpu(this.options);
        this.current = handle;
        this.watch(handle.device);
        lostDevice.destroy();
        for (const restore of this.restorers) await restore(handle);
        for (const listener of this.recoveredListeners) listener(handle);
        return handle;
      })().finally(() => {
        this.recovering = null;
      });
    }
    return this.recovering;
  }

  dispose(): void {
    this.disposed = true;
    this.current.device.destroy();
  }

  private watch(device: GPUDevice): void {
    device.lost.then((info) => this.handleLoss(device, deviceLost(info.reason, info.message)));
  }

  private handleLoss(device: GPUDevice, error: GpuError): void {
    // A device we replaced or disposed ourselves is not news.
    if (this.disposed || device !== this.current.device) return;
    for (const listener of this.lostListeners) listener(error);
    if (this.autoRecover) void this.recover().catch(() => undefined);
  }
}
