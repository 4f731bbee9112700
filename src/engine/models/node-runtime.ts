/**
 * Node glue for onnxruntime-web (tests, CLI, bench). Two shims make its WebGPU EP run on Dawn:
 * - it requires `navigator.gpu` (Node 20 has no navigator): we expose Dawn's GPU object there;
 * - its wasm heap is a SharedArrayBuffer, and Dawn's `queue.writeBuffer` rejects views of shared
 *   memory ("Invalid argument"; browsers accept them): we copy such views first.
 * The .wasm files are loaded from node_modules/onnxruntime-web/dist. No Node imports here, so this
 * file also typechecks with the engine's WebWorker-only lib.
 */
import { configureRuntime } from './runtime';

let writeBufferPatched = false;

function patchWriteBuffer(): void {
  const queueClass = (globalThis as { GPUQueue?: { prototype: GPUQueue } }).GPUQueue;
  if (writeBufferPatched || !queueClass) return;
  writeBufferPatched = true;
  const original = queueClass.prototype.writeBuffer;
  queueClass.prototype.writeBuffer = function (
    this: GPUQueue,
    buffer: GPUBuffer,
    offset: GPUSize64,
    data: Parameters<GPUQueue['writeBuffer']>[2],
    dataOffset?: GPUSize64,
    size?: GPUSize64,
  ): undefined {
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const element = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const start = data.byteOffset + (dataOffset ?? 0) * element;
      const length = size !== undefined ? size * element : data.byteLength - (dataOffset ?? 0) * element;
      const copy = new Uint8Array(length);
      copy.set(new Uint8Array(data.buffer, start, length));
      return original.call(this, buffer, offset, copy, 0, length);
    }
    return original.call(this, buffer, offset, data, dataOffset, size);
  };
}

/** Points ORT at the local wasm files and lets its WebGPU EP use `gpu` (Dawn's GPU from nodeGpu()). */
export function setupNodeRuntime(gpu?: GPU): void {
  configureRuntime({
    wasmPaths: new URL('../../../node_modules/onnxruntime-web/dist/', import.meta.url).href,
    // Worker threads would compete with Dawn/SwiftShader for the same few cores.
    numThreads: 1,
  });
  if (!gpu) return;
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator)
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator?.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  patchWriteBuffer();
}
