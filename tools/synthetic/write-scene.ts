/**
 * Writes a synthetic scene as a nerfstudio folder (Node only):
 *   DIR/transforms.json          OpenGL camera-to-world + shared intrinsics (the project's writer,
 *                                src/engine/io/transforms.ts), plus a `synthetic` block; frames carry
 *                                `depth_file_path`
 *   DIR/images/frame_0000.png    8-bit sRGB RGBA
 *   DIR/depth/frame_0000.f32     raw little-endian float32, width×height row-major (row 0 = top),
 *                                z along the optical axis at the pixel centre in world units
 *                                (median of view 0 = 1; metres = value / synthetic.scale); +Infinity = sky
 *   DIR/depth/frame_0000.png     optional preview (inverse depth, grey; sky black)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { SyntheticScene } from '../../src/engine/geometry/synthetic';
import type { RenderResult } from '../../src/engine/geometry/synthetic/render';
import { writeTransforms } from '../../src/engine/io/transforms';

export const DEPTH_FORMAT =
  'raw float32 little-endian, width*height row-major from the top-left, z along the optical axis at the pixel ' +
  'centre in world units (median of view 0 = 1; metres = value / scale), +Infinity = sky';

export function encodePng(width: number, height: number, rgba: Uint8ClampedArray | Uint8Array): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}

export function encodeDepthF32(depth: Float32Array): Buffer {
  const buf = Buffer.alloc(depth.length * 4);
  for (let i = 0; i < depth.length; i++) buf.writeFloatLE(depth[i], i * 4);
  return buf;
}

export function decodeDepthF32(buf: Uint8Array): Float32Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Grey preview of inverse depth, normalised by the nearest finite depth; sky is black. */
function depthPreview(r: RenderResult): Buffer {
  let zmin = Infinity;
  for (const z of r.depth) if (z < zmin) zmin = z;
  const rgba = new Uint8Array(r.depth.length * 4);
  for (let i = 0; i < r.depth.length; i++) {
    const g = Number.isFinite(r.depth[i]) ? Math.round((255 * zmin) / r.depth[i]) : 0;
    rgba.set([g, g, g, 255], i * 4);
  }
  return encodePng(r.width, r.height, rgba);
}

const frameName = (i: number) => `frame_${String(i).padStart(4, '0')}`;

/** Write the scene folder; returns the transforms.json object written. */
export function writeSceneDir(
  dir: string,
  synth: SyntheticScene,
  renders: RenderResult[],
  options: { previews?: boolean } = {},
): Record<string, unknown> {
  if (renders.length !== synth.cameras.length) throw new Error('writeSceneDir: one render per camera');
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'depth'), { recursive: true });
  const frames = renders.map((r, i) => {
    const name = frameName(i);
    writeFileSync(join(dir, 'images', `${name}.png`), encodePng(r.width, r.height, r.rgba));
    writeFileSync(join(dir, 'depth', `${name}.f32`), encodeDepthF32(r.depth));
    if (options.previews) writeFileSync(join(dir, 'depth', `${name}.png`), depthPreview(r));
    return { camera: synth.cameras[i], filePath: `images/${name}.png`, depthPath: `depth/${name}.f32` };
  });
  const json = writeTransforms(frames);
  json.synthetic = {
    generator: 'splat-studio tools/make-scene.ts',
    preset: synth.preset,
    seed: synth.seed,
    kind: synth.kind,
    scale: synth.scale,
    world: 'camera 0 (OpenCV axes), scaled so the median depth of view 0 is 1',
    depth_format: DEPTH_FORMAT,
    texture_poor: synth.scene.primitives.filter((p) => p.texturePoor).map((p) => p.name),
  };
  writeFileSync(join(dir, 'transforms.json'), `${JSON.stringify(json, null, 2)}\n`);
  return json;
}
