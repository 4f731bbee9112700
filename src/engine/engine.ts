/**
 * The engine behind the protocol: owns the GPU context and answers commands with events. The browser
 * worker (worker.ts) and the Node entry points drive this same class.
 */

import { PoseError } from './geometry/pose';
import { GpuContext } from './gpu/context';
import { GpuError } from './gpu/errors';
import type { ImageDecoder } from './io/image';
import { writePly } from './io/ply';
import { writeSplat } from './io/splat';
import { defaultModelCache } from './models/cache';
import { PipelineError } from './pipeline/errors';
import type { ModelAccess } from './pipeline/neural';
import { isAbort } from './pipeline/progress';
import { Reconstruction } from './pipeline/reconstruction';
import type { EngineCommand, EngineErrorInfo, EventSink } from './protocol';
import { runSelftest } from './selftest';
import { ViewerHost } from './viewer/host';

export function errorInfo(err: unknown): EngineErrorInfo {
  if (err instanceof GpuError) return err.toJSON();
  if (err instanceof PipelineError) return err.toInfo();
  if (err instanceof PoseError)
    return { code: 'bad-input', message: err.message, details: { kind: err.kind } };
  const e = err as Error;
  return { code: 'internal', message: e?.message ?? String(err) };
}

export interface EngineOptions {
  /** Where the neural models are (Node: a file: manifest URL and a file-reading fetch). Without it the
   * browser's 'init' command supplies the manifest URL. */
  models?: ModelAccess;
}

export class Engine {
  private gpu: GpuContext | null = null;
  private readonly emit: EventSink;
  private readonly gpuApi?: GPU;
  private readonly decode: ImageDecoder;
  private reconstruction: Reconstruction | null = null;
  private running: AbortController | null = null;
  private models: ModelAccess | undefined;

  /** The live preview (src/engine/viewer/): follows this engine's events. */
  private readonly viewer: ViewerHost;

  constructor(emit: EventSink, decode: ImageDecoder, gpuApi?: GPU, options: EngineOptions = {}) {
    this.models = options.models;
    this.viewer = new ViewerHost(
      emit,
      () => this.gpu?.device ?? null,
      () => this.reconstruction,
    );
    this.emit = (event, transfer) => {
      emit(event, transfer);
      this.viewer.observe(event);
    };
    this.decode = decode;
    this.gpuApi = gpuApi;
  }

  /** The current reconstruction (its outputs stay after a run ends or is cancelled). */
  get current(): Reconstruction | null {
    return this.reconstruction;
  }

  get context(): GpuContext | null {
    return this.gpu;
  }

  async handle(command: EngineCommand): Promise<void> {
    try {
      switch (command.type) {
        case 'init':
          if (command.modelsUrl && !this.models)
            this.models = { manifestUrl: command.modelsUrl, cache: defaultModelCache() };
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
        case 'start': {
          this.reconstruction?.dispose();
          this.reconstruction = new Reconstruction(
            this.requireGpu().device,
            command.photos,
            this.decode,
            this.emit,
            { models: this.models },
          );
          await this.runReconstruction((signal) => this.reconstruction!.run(command.options, signal));
          return;
        }
        case 'rerun': {
          const r = this.reconstruction;
          if (!r)
            throw new PipelineError(
              'not-available',
              'There is no reconstruction to re-run yet: start one first.',
            );
          await this.runReconstruction((signal) => r.run(command.options, signal, command.from));
          return;
        }
        case 'cancel':
          this.running?.abort();
          return;
        case 'export':
          await this.export(command.format, command.id);
          return;
        case 'viewer-attach':
        case 'viewer-resize':
        case 'viewer-camera':
        case 'viewer-probe':
        case 'open-splats':
          await this.viewer.handle(command);
          return;
      }
    } catch (err) {
      this.emit({ type: 'error', error: errorInfo(err) });
    }
  }

  private async runReconstruction(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    try {
      await run(controller.signal);
      this.emit({ type: 'finished', cancelled: false });
    } catch (err) {
      if (!isAbort(err)) throw err;
      this.emit({ type: 'finished', cancelled: true });
    } finally {
      if (this.running === controller) this.running = null;
    }
  }

  private async export(format: 'ply' | 'splat', id?: number): Promise<void> {
    const cloud = await this.reconstruction?.currentSplats();
    if (!cloud || cloud.count === 0) {
      throw new PipelineError(
        'not-available',
        'There are no splats to export yet: the first optimisation step has not run.',
      );
    }
    const bytes = format === 'ply' ? writePly(cloud) : writeSplat(cloud);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.emit(
      { type: 'exported', format, fileName: `scene.${format}`, bytes: buffer, count: cloud.count, id },
      [buffer],
    );
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
    gpu.onLost((error) => {
      // The run's GPU state died with the device: stop it; the UI keeps (and reopens) the last saved result.
      this.running?.abort();
      this.reconstruction?.dispose();
      this.reconstruction = null;
      this.emit({ type: 'device-lost', error: error.toJSON() });
    });
    gpu.onRecovered((handle) => {
      this.viewer.rebind();
      this.emit({ type: 'device-recovered', adapter: handle.report });
    });
    this.emit({ type: 'capability', ok: true, adapter: gpu.handle.report, features: gpu.handle.has });
  }

  private requireGpu(): GpuContext {
    if (!this.gpu) throw new Error('The engine has no GPU device yet (send "init" first).');
    return this.gpu;
  }

  dispose(): void {
    this.viewer.dispose();
    this.running?.abort();
    this.reconstruction?.dispose();
    this.gpu?.dispose();
    this.gpu = null;
  }
}
