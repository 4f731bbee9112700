/** PSNR and SSIM of the splats rendered at given cameras against reference images (evaluation). */
import type { Camera } from '../geometry/camera';
import { createBuffer, readF32, STORAGE } from '../gpu/buffers';
import { ImageLoss, psnr } from './loss';
import { Rasterizer } from './rasterizer';
import type { GpuScene } from './scene';
import { targetPixels } from './trainer';

export interface ScoredView {
  psnr: number;
  ssim: number;
  /** The rendered view (RGBA floats in [0,1]), only when asked for with `keepRenders`. */
  render?: Float32Array;
}

export async function scoreViews(
  device: GPUDevice,
  scene: GpuScene,
  views: { camera: Camera; rgba: Uint8ClampedArray }[],
  opts: { shDegree: number; near: number; background?: [number, number, number]; keepRenders?: boolean },
): Promise<ScoredView[]> {
  const out: ScoredView[] = [];
  for (const view of views) {
    const { width, height } = view.camera.intrinsics;
    const raster = new Rasterizer(device, { maxSplats: Math.max(1, scene.count), width, height });
    const loss = new ImageLoss(device, width, height, { lambda: 0.8 });
    const target = createBuffer(device, 'eval target', targetPixels(view.rgba));
    const grad = createBuffer(device, 'eval grad', width * height * 16, STORAGE);
    const encoder = device.createCommandEncoder({ label: 'evaluate view' });
    raster.forward(encoder, scene, view.camera, {
      background: opts.background ?? [0, 0, 0],
      shDegree: opts.shDegree,
      near: opts.near,
    });
    loss.encode(encoder, raster.image, target, null, grad);
    device.queue.submit([encoder.finish()]);
    const values = await loss.read();
    const render = opts.keepRenders ? await readF32(device, raster.image, width * height * 4) : undefined;
    out.push({ psnr: psnr(values.mse), ssim: values.ssim, ...(render ? { render } : {}) });
    for (const b of [target, grad]) b.destroy();
    loss.destroy();
    raster.destroy();
  }
  return out;
}
