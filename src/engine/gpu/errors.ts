/** Why the GPU could not be used, in words a user can act on. */
export type GpuErrorCode =
  | 'no-webgpu'
  | 'no-adapter'
  | 'limit-too-low'
  | 'device-request-failed'
  | 'device-lost'
  | 'out-of-memory'
  | 'validation';

export class GpuError extends Error {
  readonly code: GpuErrorCode;
  /** What the user can do about it. */
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(code: GpuErrorCode, message: string, hint: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'GpuError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  toJSON(): { code: GpuErrorCode; message: string; hint: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

const BROWSER_HINT =
  'Use Chrome or Edge 113 or newer (Safari 26, Firefox 141 on Windows) with hardware acceleration turned on ' +
  '(Settings → System → "Use graphics acceleration when available"), and check chrome://gpu shows ' +
  '"WebGPU: Hardware accelerated". On Linux, start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.';

export const noWebGpu = (): GpuError =>
  new GpuError('no-webgpu', 'This browser does not expose WebGPU (navigator.gpu is missing).', BROWSER_HINT, {
    check: 'navigator.gpu',
  });

export const noAdapter = (): GpuError =>
  new GpuError(
    'no-adapter',
    'WebGPU is present but no GPU adapter was granted (navigator.gpu.requestAdapter() returned null).',
    `The GPU may be blocklisted or acceleration turned off. ${BROWSER_HINT}`,
    { check: 'requestAdapter' },
  );

export const limitTooLow = (limit: string, have: number, need: number): GpuError =>
  new GpuError(
    'limit-too-low',
    `This GPU's ${limit} is ${have}, but Splat studio needs at least ${need}.`,
    'Try another browser or GPU (a discrete GPU or an up-to-date driver usually has higher limits).',
    { check: 'limits', limit, have, need },
  );

export const deviceLost = (reason: string, message: string): GpuError =>
  new GpuError(
    'device-lost',
    `The GPU device was lost (${reason}${message ? `: ${message}` : ''}).`,
    'The studio recreates the device and restores the last result; if it keeps happening, close other GPU-heavy tabs or pick a lighter preset.',
    { reason },
  );
