/** Fetching model files with byte progress and errors that say which file and what to do. */
import { errorMessage, ModelError } from './errors';

export type FetchFn = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface DownloadProgress {
  url: string;
  loaded: number;
  /** Expected size (manifest or Content-Length); 0 when unknown. */
  total: number;
}

export interface DownloadOptions {
  /** Size the manifest promises; the buffer is allocated once at this size. */
  expectedBytes?: number;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  fetch?: FetchFn;
}

/** Downloads `url` into one Uint8Array, reporting bytes as they arrive. */
export async function downloadBytes(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const fetchFn: FetchFn = options.fetch ?? ((u, init) => fetch(u, init));
  let response: Response;
  try {
    response = await fetchFn(url, { signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ModelError('download-failed', `could not download ${url}: ${errorMessage(err)}`, { url });
  }
  if (response.status === 404) {
    throw new ModelError(
      'not-found',
      `model file ${url} was not found (HTTP 404). Model files are not shipped with the studio: put the ` +
        'file next to public/models/manifest.json, or remove its entry from the manifest.',
      { url, status: 404 },
    );
  }
  if (!response.ok) {
    throw new ModelError('download-failed', `could not download ${url}: HTTP ${response.status}`, {
      url,
      status: response.status,
    });
  }
  const header = Number(response.headers.get('content-length') ?? 0);
  const total = options.expectedBytes ?? (Number.isFinite(header) ? header : 0);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    options.onProgress?.({ url, loaded: bytes.byteLength, total });
    return bytes;
  }
  let buffer = new Uint8Array(total > 0 ? total : 1 << 20);
  let loaded = 0;
  const reader = response.body.getReader();
  options.onProgress?.({ url, loaded: 0, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > buffer.byteLength) {
      // More than promised (the size check will reject it later) or no size known: grow.
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, loaded + value.byteLength));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.byteLength;
    options.onProgress?.({ url, loaded, total });
  }
  return loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
}
