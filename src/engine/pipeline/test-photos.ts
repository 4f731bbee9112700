/** Test helper: a synthetic scene's views as PNG files, the way the orchestrator receives dropped photos. */
import { PNG } from 'pngjs';
import { type RenderOptions, renderView, type SyntheticScene } from '../geometry/synthetic';
import type { PhotoInput } from '../protocol';

export function scenePhotos(s: SyntheticScene, options?: RenderOptions): PhotoInput[] {
  return s.cameras.map((camera, i) => {
    const { rgba, width, height } = renderView(s.scene, camera, options);
    const png = new PNG({ width, height });
    png.data.set(rgba);
    const bytes = PNG.sync.write(png);
    return {
      name: `${i}.png`,
      bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    };
  });
}
