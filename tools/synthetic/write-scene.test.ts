import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { projectPoint } from '../../src/engine/geometry/camera';
import { invertRigid, transformPoint } from '../../src/engine/geometry/mat4';
import { makeSyntheticScene, renderView } from '../../src/engine/geometry/synthetic';
import { readTransforms } from '../../src/engine/io/transforms';
import { decodeDepthF32, writeSceneDir } from './write-scene';

const temp = mkdtempSync(join(tmpdir(), 'make-scene-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const synth = makeSyntheticScene({ seed: 2, views: 3, width: 64, height: 48 });

interface Json {
  fl_x: number;
  fl_y: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  frames: { file_path: string; depth_file_path: string; transform_matrix: number[][] }[];
  synthetic: { scale: number; preset: string; kind: string };
}

const folder = join(temp, 'roundtrip');
writeSceneDir(
  folder,
  synth,
  synth.cameras.map((c) => renderView(synth.scene, c, { samples: 1 })),
);
const written = JSON.parse(readFileSync(join(folder, 'transforms.json'), 'utf8')) as Json;

describe('transforms.json (OpenGL) ↔ OpenCV cameras', () => {
  it('round-trips the cameras through the written file and the project reader', () => {
    expect([written.fl_x, written.fl_y, written.cx, written.cy, written.w, written.h]).toEqual([
      0.9 * 64,
      0.9 * 64,
      32,
      24,
      64,
      48,
    ]);
    const back = readTransforms(written).frames;
    expect(back).toHaveLength(3);
    back.forEach((f, i) => {
      expect(f.camera.intrinsics).toEqual(synth.cameras[i].intrinsics);
      for (let k = 0; k < 16; k++)
        expect(f.camera.worldFromCamera[k]).toBeCloseTo(synth.cameras[i].worldFromCamera[k], 12);
      expect(f.depthPath).toBe(`depth/frame_000${i}.f32`);
    });
    // Camera 0 is the world in OpenCV axes, so its OpenGL pose is diag(1, −1, −1, 1).
    const flip = [1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1];
    for (const [k, x] of written.frames[0].transform_matrix.flat().entries())
      expect(x).toBeCloseTo(flip[k], 12);
  });

  it('means the same pixels under the OpenGL camera convention (y up, looking down −z)', () => {
    const cam = synth.cameras[2];
    // Read the row-major OpenGL camera-to-world straight from the file, independent of any converter.
    const rows = written.frames[2].transform_matrix;
    const gl = new Float64Array(16);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) gl[c * 4 + r] = rows[r][c];
    const { fx, fy, cx, cy } = cam.intrinsics;
    for (const world of [
      [0.1, -0.2, 1.1],
      [-0.3, 0.25, 0.9],
      [0.4, 0.1, 1.6],
    ] as [number, number, number][]) {
      const [x, y, z] = transformPoint(invertRigid(gl), world);
      expect(z).toBeLessThan(0);
      const [u, v] = projectPoint(cam, world);
      expect(cx + (fx * x) / -z).toBeCloseTo(u, 9);
      expect(cy - (fy * y) / -z).toBeCloseTo(v, 9);
    }
  });
});

describe('scene folder', () => {
  const write = (dir: string) =>
    writeSceneDir(
      dir,
      synth,
      synth.cameras.map((c) => renderView(synth.scene, c, { samples: 2 })),
      { previews: true },
    );

  it('writes identical bytes for the same seed, decodable images and depth', () => {
    const [a, b] = [join(temp, 'a'), join(temp, 'b')];
    const json = write(a);
    write(b);
    for (const sub of ['', 'images', 'depth']) {
      for (const f of readdirSync(join(a, sub))) {
        if (sub === '' && f !== 'transforms.json') continue;
        expect(readFileSync(join(b, sub, f)).equals(readFileSync(join(a, sub, f))), `${sub}/${f}`).toBe(true);
      }
    }
    expect(json.frames).toHaveLength(3);
    const again = renderView(synth.scene, synth.cameras[1], { samples: 2 });
    const png = PNG.sync.read(readFileSync(join(a, (json as unknown as Json).frames[1].file_path)));
    expect([png.width, png.height]).toEqual([64, 48]);
    expect(Buffer.from(png.data).equals(Buffer.from(again.rgba))).toBe(true);
    const frames = (json as unknown as Json).frames;
    const depth = decodeDepthF32(readFileSync(join(a, frames[1].depth_file_path)));
    expect(Array.from(depth)).toEqual(Array.from(again.depth));
    expect(depth.some((z) => z === Infinity)).toBe(again.depth.some((z) => z === Infinity));
    const meta = (json as unknown as Json).synthetic;
    expect(meta.preset).toBe('objects');
    expect(meta.scale).toBeCloseTo(synth.scale, 12);
  });

  it('runs as a CLI', () => {
    const out = join(temp, 'cli');
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/make-scene.ts',
        '--out',
        out,
        '--views',
        '2',
        '--size',
        '48x36',
        '--seed',
        '4',
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'pipe' },
    );
    const json = JSON.parse(readFileSync(join(out, 'transforms.json'), 'utf8')) as Json;
    expect(json.frames).toHaveLength(2);
    expect([json.w, json.h]).toEqual([48, 36]);
    expect(json.synthetic.preset).toBe('room');
    expect(json.synthetic.kind).toBe('pair');
    for (const f of json.frames) {
      expect(existsSync(join(out, f.file_path))).toBe(true);
      expect(readFileSync(join(out, f.depth_file_path)).byteLength).toBe(48 * 36 * 4);
    }
  });
});
