/** SHA-256 (WebCrypto, in the browser and in Node ≥ 20) and the size + hash check of a model file. */
import { ModelError } from './errors';
import type { ModelFile } from './manifest';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // digest() wants a BufferSource over a plain ArrayBuffer; copy views of shared or larger buffers.
  const view =
    bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
      ? bytes
      : bytes.slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Throws a ModelError when `bytes` is not exactly the file the manifest describes. */
export async function verifyModelFile(bytes: Uint8Array, file: ModelFile, modelId: string): Promise<void> {
  if (bytes.byteLength !== file.bytes) {
    throw new ModelError(
      'size-mismatch',
      `model '${modelId}': ${file.path} has ${bytes.byteLength} bytes, the manifest says ${file.bytes}`,
      { modelId, path: file.path, expected: file.bytes, actual: bytes.byteLength },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new ModelError(
      'sha256-mismatch',
      `model '${modelId}': ${file.path} has SHA-256 ${actual}, the manifest says ${file.sha256} ` +
        '(a different or corrupted file; re-export it or update the manifest)',
      { modelId, path: file.path, expected: file.sha256, actual },
    );
  }
}
