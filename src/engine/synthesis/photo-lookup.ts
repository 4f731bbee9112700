/**
 * The photos on the GPU for warp-and-fill's colour lookup (shaders/synthesis/photo_lookup.wgsl): each
 * photo's camera, RGBA and depth + confidence packed into shared buffers, uploaded once per renderer.
 */
import { cameraFromWorld } from '../geometry/camera';
import { translationOf } from '../geometry/mat4';
import type { ViewGeometry } from '../geometry/types';
import { createBuffer } from '../gpu/buffers';

/** Words per photo in the parameter buffer (the WGSL `Photo` struct). */
const PHOTO_WORDS = 28;

export class PhotoLookup {
  readonly count: number;
  readonly params: GPUBuffer;
  readonly rgba: GPUBuffer;
  readonly depthConf: GPUBuffer;

  constructor(device: GPUDevice, views: readonly ViewGeometry[]) {
    this.count = views.length;
    const params = new Float32Array(PHOTO_WORDS * Math.max(1, views.length));
    const words = new Uint32Array(params.buffer);
    const pixels = views.reduce((n, v) => n + v.camera.intrinsics.width * v.camera.intrinsics.height, 0);
    const rgba = new Uint8Array(4 * Math.max(1, pixels));
    const depthConf = new Float32Array(2 * Math.max(1, pixels));
    let first = 0;
    views.forEach((view, p) => {
      const k = view.camera.intrinsics;
      const base = PHOTO_WORDS * p;
      params.set(new Float32Array(cameraFromWorld(view.camera)), base);
      params.set([k.fx, k.fy, k.cx, k.cy], base + 16);
      words.set([k.width, k.height, first, 0], base + 20);
      params.set(translationOf(view.camera.worldFromCamera), base + 24);
      const n = k.width * k.height;
      rgba.set(view.colors.subarray(0, 4 * n), 4 * first);
      for (let i = 0; i < n; i++) {
        const depth = view.depth[i];
        // Pixels without a depth never agree with a point: confidence 0.
        const known = Number.isFinite(depth) && depth > 0;
        depthConf[2 * (first + i)] = known ? depth : 0;
        depthConf[2 * (first + i) + 1] = known ? view.confidence[i] : 0;
      }
      first += n;
    });
    this.params = createBuffer(device, 'photo lookup cameras', params);
    this.rgba = createBuffer(device, 'photo lookup colours', rgba);
    this.depthConf = createBuffer(device, 'photo lookup depth and confidence', depthConf);
  }

  destroy(): void {
    for (const b of [this.params, this.rgba, this.depthConf]) b.destroy();
  }
}
