/**
 * Neural models from the local disk for the Node entry points (CLI, tests, bench): a FetchFn that also
 * reads file: URLs (Node's fetch does not), and the engine's ModelAccess for a manifest path.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FetchFn } from '../src/engine/models/download';
import type { ExecutionProviderChoice } from '../src/engine/models/runtime';
import type { ModelAccess } from '../src/engine/pipeline/neural';

/** file: URLs are read from disk (a missing file answers 404, as a web server would); others are fetched. */
export const fileFetch: FetchFn = async (url, init) => {
  if (!url.startsWith('file:')) return fetch(url, init);
  if (init?.signal?.aborted) throw new DOMException('The reconstruction was cancelled.', 'AbortError');
  try {
    const bytes = await readFile(fileURLToPath(url));
    return new Response(new Uint8Array(bytes), {
      status: 200,
      headers: { 'content-length': String(bytes.byteLength) },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Response(null, { status: 404 });
    throw err;
  }
};

/** The engine's model access for a manifest.json on disk (model files are read relative to it). */
export function localModels(manifestPath: string, executionProvider?: ExecutionProviderChoice): ModelAccess {
  return { manifestUrl: pathToFileURL(resolve(manifestPath)).href, fetch: fileFetch, executionProvider };
}
