/**
 * The engine behind the protocol: owns the GPU context and answers commands with events. The browser
 * worker (worker.ts) and the Node entry points drive this same class.
 */
import { GpuContext } from './gpu/context';
import { GpuError } from './gpu/errors';
import type { EngineCommand, EngineErrorInfo, EventSink } from './protocol';
import { runSelftest } from './selftest';

export function errorInfo(err: unknown): EngineErrorInfo {
  if (err instanceof GpuError) return err.toJSON();
  const e = err as Error;
  return { code: 'internal', message: e?.message ?? String(err) };
}

export class Engine {
  private gpu: GpuContext | null = null;
  private readonly emit: EventSink;
  private readonly gpuApi?: GPU;

  constructor(emit: EventSink, gpuApi?: GPU) {
    this.emit = emit;
    this.gpuApi = gpuApi;
  }

  get context(): GpuContext | null {
    return this.gpu;
  }

  async handle(command: EngineCommand): Promise<void> {
    try {
      switch (command.type) {
        case 'init':
          await this.init();
          return;
        case 'selftest':
          this.emit({
            type: 'selftest',
            result: await runSelftest(this.requireGpu().device, command.elements),
          });
          return;
        case 'simulate-device-loss':
          this.requireGpu().device.destroy();
          return;
        case 'start':
        case 'cancel':
        case 'export':
          this.emit({
            type: 'error',
            error: {
              code: 'not-available',
              message: `"${command.type}" needs the reconstruction pipeline, which is not part of this build yet.`,
            },
          });
          return;
      }
    } catch (err) {
      this.emit({ type: 'error', error: errorInfo(err) });
    }
  }

  private async init(): Promise<void> {
    if (this.gpu) return;
    try {
      this.gpu = await GpuContext.create({ gpu: this.gpuApi });
    } catch (err) {
      this.emit({ type: 'capability', ok: false, error: errorInfo(err) });
      return;
    }
    const gpu = this.gpu;
    gpu.onLost((error) => this.emit({ type: 'device-lost', error: error.toJSON() }));
    gpu.onRecovered((handle) => this.emit({ type: 'device-recovered', adapter: handle.report }));
    this.emit({ type: 'capability', ok: true, adapter: gpu.handle.report, features: gpu.handle.has });
  }

  private requireGpu(): GpuContext {
    if (!this.gpu) throw new Error('The engine has no GPU device yet (send "init" first).');
    return this.gpu;
  }

  dispose(): void {
    this.gpu?.dispose();
    this.gpu = null;
  }
}
