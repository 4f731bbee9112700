/**
 * The one place that loads onnxruntime-web. We use its `webgpu` build (the native WebGPU execution
 * provider compiled into ort-wasm-simd-threaded.asyncify.wasm) because, in 1.30, that is the build
 * whose session options accept an existing GPUDevice (`{ name: 'webgpu', device }`), so models run on
 * the engine's own device. The wasm EP is used only when the WebGPU EP cannot start, and the EP that
 * actually ran is always reported (a failed WebGPU start is never reported as WebGPU).
 */
import type * as OrtTypes from 'onnxruntime-web';
import { errorMessage, ModelError } from './errors';

type Ort = typeof OrtTypes;

export type ExecutionProvider = 'webgpu' | 'wasm';
export type ExecutionProviderChoice = ExecutionProvider | 'auto';

export interface RuntimeConfig {
  /** URL prefix (ending in '/') of ORT's .wasm/.mjs files; ORT's own default when absent. */
  wasmPaths?: string;
  /** WebAssembly threads (needs cross-origin isolation in the browser); ORT's default when absent. */
  numThreads?: number;
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
}

let config: RuntimeConfig = {};
let ortPromise: Promise<Ort> | null = null;

/** Settings applied when ORT is first loaded; call before the first session. */
export function configureRuntime(next: RuntimeConfig): void {
  config = { ...config, ...next };
  if (ortPromise) void ortPromise.then(applyConfig);
}

function applyConfig(ort: Ort): Ort {
  if (config.wasmPaths) ort.env.wasm.wasmPaths = config.wasmPaths;
  if (config.numThreads !== undefined) ort.env.wasm.numThreads = config.numThreads;
  ort.env.logLevel = config.logLevel ?? 'error';
  return ort;
}

/** Loads onnxruntime-web lazily (the studio does not pay for it unless a model is used). */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web/webgpu').then((m) => applyConfig(m as unknown as Ort));
  return ortPromise;
}

export interface SessionOptions {
  /** 'auto' (default): WebGPU EP, and the wasm EP only if WebGPU cannot start. */
  executionProvider?: ExecutionProviderChoice;
  /** The engine's GPUDevice. Without it the WebGPU EP creates its own device from navigator.gpu. */
  device?: GPUDevice;
  /** External-data files of the graph (paths as the .onnx refers to them). */
  externalData?: { path: string; data: Uint8Array }[];
  /** Used in error messages. */
  label?: string;
}

export interface RuntimeReport {
  /** The execution provider the session was created with. */
  ep: ExecutionProvider;
  /** Whose GPUDevice the WebGPU EP uses; null for wasm. */
  device: 'engine' | 'ort' | null;
  /** Why the WebGPU EP was not used, when 'auto' fell back to wasm. */
  webgpuError?: string;
  ortVersion: string;
  createMs: number;
}

function webgpuAvailable(): string | null {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!nav?.gpu) return 'navigator.gpu is missing (no WebGPU in this context)';
  return null;
}

async function create(
  ort: Ort,
  model: Uint8Array,
  ep: ExecutionProvider,
  options: SessionOptions,
): Promise<OrtTypes.InferenceSession> {
  const provider: OrtTypes.InferenceSession.ExecutionProviderConfig =
    ep === 'webgpu' ? { name: 'webgpu', device: options.device } : 'wasm';
  return ort.InferenceSession.create(model, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    externalData: options.externalData,
  });
}

/** Creates an InferenceSession and says which EP it got. */
export async function createOrtSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<{ session: OrtTypes.InferenceSession; report: RuntimeReport }> {
  const ort = await loadOrt();
  const choice = options.executionProvider ?? 'auto';
  const label = options.label ?? 'model';
  const t0 = performance.now();
  const report = (ep: ExecutionProvider, webgpuError?: string): RuntimeReport => ({
    ep,
    device: ep === 'webgpu' ? (options.device ? 'engine' : 'ort') : null,
    webgpuError,
    ortVersion: ort.env.versions.web ?? ort.env.versions.common,
    createMs: performance.now() - t0,
  });

  let webgpuError: string | undefined;
  if (choice !== 'wasm') {
    const missing = webgpuAvailable();
    if (missing) webgpuError = missing;
    else {
      try {
        const session = await create(ort, model, 'webgpu', options);
        return { session, report: report('webgpu') };
      } catch (err) {
        webgpuError = errorMessage(err);
      }
    }
    if (choice === 'webgpu') {
      throw new ModelError(
        'runtime-unavailable',
        `${label}: the WebGPU execution provider failed: ${webgpuError}`,
        {
          label,
        },
      );
    }
  }
  try {
    const session = await create(ort, model, 'wasm', options);
    return { session, report: report('wasm', webgpuError) };
  } catch (err) {
    throw new ModelError(
      'session-failed',
      `${label}: onnxruntime could not load the model: ${errorMessage(err)}`,
      {
        label,
        webgpuError,
      },
    );
  }
}

/** A tensor on the CPU in the engine's terms (no ORT types leak out of models/). */
export interface HostTensor {
  data: Float32Array;
  dims: number[];
}

export async function runOrtSession(
  session: OrtTypes.InferenceSession,
  feeds: Record<string, HostTensor>,
  label: string,
): Promise<Record<string, HostTensor>> {
  const ort = await loadOrt();
  const inputs: Record<string, OrtTypes.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
  let out: OrtTypes.InferenceSession.ReturnType;
  try {
    out = await session.run(inputs);
  } catch (err) {
    throw new ModelError('inference-failed', `${label}: inference failed: ${errorMessage(err)}`, { label });
  }
  const result: Record<string, HostTensor> = {};
  for (const [name, value] of Object.entries(out)) {
    const tensor = value as OrtTypes.Tensor;
    if (tensor.type !== 'float32') {
      throw new ModelError(
        'inference-failed',
        `${label}: output '${name}' is ${tensor.type}, expected float32`,
      );
    }
    result[name] = { data: (await tensor.getData()) as Float32Array, dims: [...tensor.dims] };
    tensor.dispose();
  }
  return result;
}
