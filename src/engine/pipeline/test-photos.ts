/** Test helper: a synthetic scene's views as PNG files, the way the orchestrator receives dropped photos. */
import { encodePng } from '../../../tools/synthetic/write-scene';
import { type RenderOptions, renderView, type SyntheticScene } from '../geometry/synthetic';
import type { PhotoInput } from '../protocol';

export function scenePhotos(s: SyntheticScene, options?: RenderOptions): PhotoInput[] {
  return s.cameras.map((camera, i) => {
    const { rgba, width, height } = renderView(s.scene, camera, options);
    const bytes = encodePng(width, height, rgba);
    return {
      name: `${i}.png`,
      bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    };
  });
}
