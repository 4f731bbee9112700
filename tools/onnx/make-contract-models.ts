/**
 * Writes the tiny contract models and a models manifest (bytes + SHA-256) into a folder, e.g. to try
 * the neural path in the studio or in e2e tests without any downloaded weights:
 *   node --import tsx tools/onnx/make-contract-models.ts <out-dir> [width] [height]
 * The pointmap model is generated geometry (a known slanted plane from two known cameras), not a
 * trained network: it exercises the whole path, it does not reconstruct real photos.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPointmapScene, pointmapModel, wrongPointmapModel } from './pointmap-model';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-contract-models.ts <out-dir> [width=64] [height=48]');
  process.exit(2);
}
const width = Number(process.argv[3] ?? 64);
const height = Number(process.argv[4] ?? 48);
mkdirSync(out, { recursive: true });

const scene = defaultPointmapScene(width, height);
const files: Record<string, Uint8Array> = {
  'pointmap-contract.onnx': pointmapModel(scene).bytes,
  'pointmap-wrong.onnx': wrongPointmapModel(width, height),
};
const entry = (id: string, file: string, bytes: Uint8Array) => ({
  id,
  role: 'pointmap',
  contract: 1,
  name:
    id === 'pointmap-contract'
      ? 'Contract model: known plane, two known cameras'
      : 'Deliberately wrong signature',
  dims: { H: height, W: width },
  files: [{ path: file, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') }],
});
for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, name), bytes);
const manifest = {
  version: 1,
  models: Object.entries(files).map(([file, bytes]) => entry(file.replace('.onnx', ''), file, bytes)),
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(join(out, 'scene.json'), `${JSON.stringify(scene, null, 2)}\n`);
console.log(`wrote ${Object.keys(files).join(', ')}, manifest.json and scene.json to ${out}`);
