/** Buffer helpers: creation with optional initial data, and readback to the CPU. */

// GPUBufferUsage's values are fixed by the WebGPU spec; spelled out so that importing this module does
// not need the WebGPU globals to exist yet (Node installs them when the device is created).
export const USAGE = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  INDIRECT: 0x100,
  UNIFORM: 0x40,
  STORAGE: 0x80,
  QUERY_RESOLVE: 0x200,
} as const;
export const STORAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
export const UNIFORM = USAGE.UNIFORM | USAGE.COPY_DST;

/** WebGPU buffer sizes must be multiples of 4; storage bindings must not be empty. */
export const alignSize = (bytes: number, align = 4): number =>
  Math.max(align, Math.ceil(bytes / align) * align);

export function createBuffer(
  device: GPUDevice,
  label: string,
  sizeOrData: number | ArrayBufferView,
  usage: GPUBufferUsageFlags = STORAGE,
): GPUBuffer {
  if (typeof sizeOrData === 'number') {
    return device.createBuffer({ label, size: alignSize(sizeOrData), usage });
  }
  const buffer = device.createBuffer({
    label,
    size: alignSize(sizeOrData.byteLength),
    usage,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(
    new Uint8Array(sizeOrData.buffer, sizeOrData.byteOffset, sizeOrData.byteLength),
  );
  buffer.unmap();
  return buffer;
}

/** A small uniform buffer from 32-bit words (u32 unless given as a Float32Array). */
export function uniformBuffer(
  device: GPUDevice,
  label: string,
  words: Uint32Array | Float32Array,
): GPUBuffer {
  return createBuffer(device, label, words, UNIFORM);
}

/** Copy `byteLength` bytes of `src` to the CPU. Not for hot loops: it waits for the GPU. */
export async function readBuffer(
  device: GPUDevice,
  src: GPUBuffer,
  byteLength = src.size,
  srcOffset = 0,
): Promise<ArrayBuffer> {
  const size = alignSize(byteLength);
  const staging = device.createBuffer({
    label: `readback ${src.label}`,
    size,
    usage: USAGE.MAP_READ | USAGE.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: 'readback' });
  encoder.copyBufferToBuffer(src, srcOffset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, byteLength);
  staging.unmap();
  staging.destroy();
  return copy;
}

export const readU32 = async (device: GPUDevice, src: GPUBuffer, count: number): Promise<Uint32Array> =>
  new Uint32Array(await readBuffer(device, src, count * 4));

export const readF32 = async (device: GPUDevice, src: GPUBuffer, count: number): Promise<Float32Array> =>
  new Float32Array(await readBuffer(device, src, count * 4));
