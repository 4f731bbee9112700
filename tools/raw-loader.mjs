// Node module hook: `import text from './x.wgsl?raw'` yields the file's text, as Vite does.
// Registered by tools/register-raw.mjs (node --import tsx --import ./tools/register-raw.mjs …).
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -4)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
