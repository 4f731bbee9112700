/**
 * From a manifest entry to a running, contract-checked session: cache → download (with byte
 * progress) → size + SHA-256 check → cache → session on the engine's device.
 */
import { type ModelCache, PassThroughCache } from './cache';
import { type DownloadProgress, downloadBytes, type FetchFn } from './download';
import { ModelError } from './errors';
import { verifyModelFile } from './integrity';
import { type Manifest, type ModelEntry, parseManifest } from './manifest';
import type { SessionOptions } from './runtime';
import { ModelSession } from './session';

export interface ModelProgress {
  id: string;
  /** File being fetched. */
  path: string;
  /** Bytes of every file of the model so far / in all. */
  loaded: number;
  total: number;
  fromCache: boolean;
}

export interface LoadOptions {
  /** URL of manifest.json (file paths are relative to it). */
  manifestUrl: string;
  cache?: ModelCache;
  fetch?: FetchFn;
  signal?: AbortSignal;
  onProgress?: (p: ModelProgress) => void;
  session?: Omit<SessionOptions, 'externalData' | 'label'>;
}

export async function fetchManifest(manifestUrl: string, fetchFn?: FetchFn): Promise<Manifest> {
  const bytes = await downloadBytes(manifestUrl, { fetch: fetchFn });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelError('manifest-invalid', `models manifest ${manifestUrl} is not JSON: ${String(err)}`);
  }
  return parseManifest(json);
}

/** The verified bytes of every file of `entry`, from the cache when there. */
export async function loadModelFiles(entry: ModelEntry, options: LoadOptions): Promise<Uint8Array[]> {
  const cache = options.cache ?? new PassThroughCache();
  const total = entry.files.reduce((s, f) => s + f.bytes, 0);
  let done = 0;
  const out: Uint8Array[] = [];
  for (const file of entry.files) {
    const cached = await cache.get(file.sha256);
    if (cached) {
      try {
        await verifyModelFile(cached, file, entry.id);
        done += file.bytes;
        options.onProgress?.({ id: entry.id, path: file.path, loaded: done, total, fromCache: true });
        out.push(cached);
        continue;
      } catch {
        // A damaged cache entry: forget it and download again.
        await cache.delete(file.sha256);
      }
    }
    const url = new URL(file.path, options.manifestUrl).href;
    const base = done;
    const bytes = await downloadBytes(url, {
      expectedBytes: file.bytes,
      fetch: options.fetch,
      signal: options.signal,
      onProgress: (p: DownloadProgress) =>
        options.onProgress?.({
          id: entry.id,
          path: file.path,
          loaded: base + p.loaded,
          total,
          fromCache: false,
        }),
    });
    await verifyModelFile(bytes, file, entry.id);
    await cache.put(file.sha256, bytes);
    done += file.bytes;
    out.push(bytes);
  }
  return out;
}

/** Loads a model of the manifest and creates its session (contract checked against the entry's dims). */
export async function loadModel(entry: ModelEntry, options: LoadOptions): Promise<ModelSession> {
  const [graph, ...data] = await loadModelFiles(entry, options);
  const externalData = data.map((bytes, i) => ({ path: baseName(entry.files[i + 1].path), data: bytes }));
  return ModelSession.create(graph, entry.role, {
    ...options.session,
    externalData: externalData.length > 0 ? externalData : undefined,
    dims: entry.dims,
    id: entry.id,
  });
}

/** External data is referenced by the file name the exporter wrote, not by our manifest path. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
