/**
 * Writes the tiny contract models and a models manifest (bytes + SHA-256) into a folder, e.g. to try
 * the neural path in the studio (copy the folder's files into public/models/) or the CLI
 * (`--models <out-dir>/manifest.json`) without any downloaded weights:
 *   node --import tsx tools/onnx/make-contract-models.ts <out-dir> [width] [height]
 * The pointmap model is generated geometry (a known slanted plane from two known cameras), the
 * diffusion models are exact maths (contract-set.ts): they exercise the whole path, they do not
 * reconstruct real photos. Diffusion models are written when width and height are multiples of 8.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractSet, writeContractSet } from './contract-set';
import { defaultPointmapScene } from './pointmap-model';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-contract-models.ts <out-dir> [width=64] [height=48]');
  process.exit(2);
}
const width = Number(process.argv[3] ?? 64);
const height = Number(process.argv[4] ?? 48);
const diffusion = width % 8 === 0 && height % 8 === 0;
writeContractSet(out, { width, height, diffusion });
writeFileSync(join(out, 'scene.json'), `${JSON.stringify(defaultPointmapScene(width, height), null, 2)}\n`);
const names = Object.keys(contractSet({ width, height, diffusion }).files);
console.log(`wrote ${names.join(', ')}, manifest.json and scene.json to ${out}`);
