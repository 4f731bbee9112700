/**
 * Neural models: the only part of the engine that imports onnxruntime-web (lazily, in runtime.ts).
 *
 *   const manifest = await fetchManifest(new URL('models/manifest.json', base).href);
 *   const entry = findModel(manifest, 'pointmap');
 *   const model = await loadModel(entry, { manifestUrl, cache: defaultModelCache(), onProgress,
 *                                         session: { device: gpu.device } });   // WebGPU EP, engine device
 *   model.runtime.ep;          // 'webgpu' | 'wasm': the EP the session was really created with
 *   const out = await model.run({ img1: { data, dims: [1, 3, H, W] }, img2: … });
 *
 * In Node call setupNodeRuntime(nodeGpu()) first (wasm paths, navigator.gpu and a Dawn shim).
 */
export {
  CacheStorageCache,
  defaultModelCache,
  MemoryCache,
  type ModelCache,
  OpfsCache,
  PassThroughCache,
} from './cache';
export {
  CONTRACT_VERSION,
  CONTRACTS,
  checkContract,
  contractMismatches,
  type ModelRole,
  type RoleContract,
  type SessionSignature,
  type TensorContract,
} from './contracts';
export { type DownloadProgress, downloadBytes, type FetchFn } from './download';
export { ModelError, type ModelErrorCode } from './errors';
export { sha256Hex, verifyModelFile } from './integrity';
export { fetchManifest, type LoadOptions, loadModel, loadModelFiles, type ModelProgress } from './loader';
export {
  DEFAULT_SAMPLER,
  findModel,
  type Manifest,
  type ModelEntry,
  type ModelFile,
  parseManifest,
  type SamplerParams,
  samplerOf,
} from './manifest';
export {
  configureRuntime,
  createOrtSession,
  type ExecutionProvider,
  type ExecutionProviderChoice,
  type HostTensor,
  type RuntimeConfig,
  type RuntimeReport,
  type SessionOptions,
} from './runtime';
export { ModelSession, type ModelSessionOptions } from './session';
export { letterbox, XFeat, type XFeatTimings } from './xfeat';
export { decodeXFeat, type Letterbox, type XFeatDecodeOptions, type XFeatFeatures } from './xfeat-decode';
