/**
 * Where downloaded model files are kept between visits, keyed by their SHA-256 (content-addressed, so
 * a changed file in the manifest is simply a new key). Entries are re-verified when read.
 */

export interface ModelCache {
  readonly kind: 'opfs' | 'cache-storage' | 'memory' | 'none';
  get(sha256: string): Promise<Uint8Array | null>;
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  delete(sha256: string): Promise<void>;
}

/** Node (tests, CLI): nothing is kept; files are read or fetched every time. */
export class PassThroughCache implements ModelCache {
  readonly kind = 'none' as const;
  async get(): Promise<Uint8Array | null> {
    return null;
  }
  async put(): Promise<void> {}
  async delete(): Promise<void> {}
}

/** In-memory cache (tests, and a session-long cache where nothing persistent is allowed). */
export class MemoryCache implements ModelCache {
  readonly kind = 'memory' as const;
  readonly entries = new Map<string, Uint8Array>();
  async get(sha256: string): Promise<Uint8Array | null> {
    return this.entries.get(sha256) ?? null;
  }
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(sha256, bytes);
  }
  async delete(sha256: string): Promise<void> {
    this.entries.delete(sha256);
  }
}

const CACHE_NAME = 'splat-studio-models-v1';
const OPFS_DIR = 'splat-studio-models';

/** Cache Storage: needs an http(s) key, so entries live under a path of the page's own origin. */
export class CacheStorageCache implements ModelCache {
  readonly kind = 'cache-storage' as const;
  constructor(private readonly origin: string) {}

  private key(sha256: string): string {
    return `${this.origin}/__splat-studio-models/${sha256}`;
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    const cache = await caches.open(CACHE_NAME);
    const hit = await cache.match(this.key(sha256));
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const cache = await caches.open(CACHE_NAME);
    await cache.put(this.key(sha256), new Response(bytes as Uint8Array<ArrayBuffer>));
  }

  async delete(sha256: string): Promise<void> {
    const cache = await caches.open(CACHE_NAME);
    await cache.delete(this.key(sha256));
  }
}

/** Origin-private file system: suited to multi-GB files (no Response copies). */
export class OpfsCache implements ModelCache {
  readonly kind = 'opfs' as const;

  private async dir(): Promise<FileSystemDirectoryHandle> {
    const root = await navigator.storage.getDirectory();
    return root.getDirectoryHandle(OPFS_DIR, { create: true });
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    try {
      const handle = await (await this.dir()).getFileHandle(sha256);
      return new Uint8Array(await (await handle.getFile()).arrayBuffer());
    } catch {
      return null;
    }
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const handle = await (await this.dir()).getFileHandle(sha256, { create: true });
    const writable = await handle.createWritable();
    await writable.write(bytes as Uint8Array<ArrayBuffer>);
    await writable.close();
  }

  async delete(sha256: string): Promise<void> {
    try {
      await (await this.dir()).removeEntry(sha256);
    } catch {
      // Absent already.
    }
  }
}

/** OPFS where the browser has it, else Cache Storage, else nothing (Node). */
export function defaultModelCache(): ModelCache {
  const g = globalThis as {
    navigator?: { storage?: { getDirectory?: unknown } };
    caches?: unknown;
    location?: { origin?: string };
    process?: unknown;
  };
  if (g.process !== undefined) return new PassThroughCache();
  if (typeof g.navigator?.storage?.getDirectory === 'function') return new OpfsCache();
  if (g.caches !== undefined && g.location?.origin?.startsWith('http'))
    return new CacheStorageCache(g.location.origin);
  return new PassThroughCache();
}
