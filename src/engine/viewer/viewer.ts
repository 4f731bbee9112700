/**
 * The live preview in the worker: the project's own rasterizer (compute: project, GPU depth + tile
 * radix sort, tiled compositing — a fresh sort every frame) draws the scene for the UI's camera, then a
 * tiny render pipeline blits its float image onto the OffscreenCanvas the UI transferred.
 *
 * Frames are throttled like requestAnimationFrame: camera moves and splat updates only mark the view
 * dirty, at most one frame is in flight on the GPU, and a frame is one submit between training steps, so
 * the trainer (one submit a step) is never stalled for long and never sees a half-drawn state.
 */
import blitWgsl from '../../../shaders/viewer/blit.wgsl?raw';
import type { Camera } from '../geometry/camera';
import { createBuffer, USAGE } from '../gpu/buffers';
import { shaderModule } from '../gpu/pipelines';
import type { ViewCamera } from '../protocol';
import { Rasterizer } from '../splats/rasterizer';
import type { GpuScene } from '../splats/scene';

/** Linear background behind the splats (the studio's dark panel colour). */
export const VIEWER_BACKGROUND: [number, number, number] = [0.078, 0.086, 0.102];
/** Rasterizer sizes are rounded up to this, so small canvas resizes reuse the buffers. */
const SIZE_STEP = 128;
const SPLAT_STEP = 1 << 16;

const roundUp = (n: number, step: number): number => Math.max(step, Math.ceil(n / step) * step);

export interface ViewerStats {
  frames: number;
  width: number;
  height: number;
  splats: number;
  mean: [number, number, number];
  hash: string;
}

/** What to draw: a scene and the near plane for its scale (null → background only). */
export type ViewerSource = () => { scene: GpuScene; near: number } | null;

type Schedule = (callback: () => void) => void;

/**
 * requestAnimationFrame where the worker has it (Chromium does for OffscreenCanvas), with a timer as a
 * backstop (a hidden tab pauses rAF; a probe must still complete), whichever comes first.
 */
const defaultSchedule: Schedule = (callback) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    callback();
  };
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  if (typeof raf === 'function') raf.call(globalThis, once);
  setTimeout(once, typeof raf === 'function' ? 100 : 16);
};

function toCamera(view: ViewCamera): Camera {
  return { intrinsics: { ...view.intrinsics }, worldFromCamera: new Float64Array(view.worldFromCamera) };
}

export class Viewer {
  private device: GPUDevice;
  private readonly canvas: OffscreenCanvas;
  private context: GPUCanvasContext;
  private readonly format: GPUTextureFormat;
  private pipeline: GPURenderPipeline;
  private params: GPUBuffer;
  private raster: Rasterizer | null = null;
  private camera: ViewCamera | null = null;
  private source: ViewerSource = () => null;
  private dirty = false;
  private scheduled = false;
  private inFlight = false;
  private drawnSplats = 0;
  private disposed = false;
  /** Called back after the next completed frame. */
  private waiters: (() => void)[] = [];
  frames = 0;

  constructor(
    device: GPUDevice,
    canvas: OffscreenCanvas,
    private readonly onFrame: (frames: number, ms: number) => void = () => undefined,
    private readonly schedule: Schedule = defaultSchedule,
  ) {
    this.device = device;
    this.canvas = canvas;
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    this.format = gpu?.getPreferredCanvasFormat() ?? 'bgra8unorm';
    const context = canvas.getContext('webgpu');
    if (!context) throw new Error('This browser cannot draw WebGPU into an OffscreenCanvas.');
    this.context = context;
    ({ pipeline: this.pipeline, params: this.params } = this.setup(device));
  }

  private setup(device: GPUDevice): { pipeline: GPURenderPipeline; params: GPUBuffer } {
    this.context.configure({ device, format: this.format, alphaMode: 'opaque' });
    const module = shaderModule(device, 'viewer-blit', [blitWgsl]);
    const pipeline = device.createRenderPipeline({
      label: 'viewer blit',
      layout: 'auto',
      vertex: { module, entryPoint: 'blit_vertex' },
      fragment: { module, entryPoint: 'blit_fragment', targets: [{ format: this.format }] },
      primitive: { topology: 'triangle-list' },
    });
    const params = createBuffer(device, 'viewer blit params', 16, USAGE.UNIFORM | USAGE.COPY_DST);
    return { pipeline, params };
  }

  get width(): number {
    return this.canvas.width;
  }

  get height(): number {
    return this.canvas.height;
  }

  setSource(source: ViewerSource): void {
    this.source = source;
    this.requestFrame();
  }

  setCamera(camera: ViewCamera): void {
    this.camera = camera;
    this.requestFrame();
  }

  resize(width: number, height: number): void {
    const w = Math.max(1, Math.floor(width));
    const h = Math.max(1, Math.floor(height));
    if (w === this.canvas.width && h === this.canvas.height) return;
    this.canvas.width = w;
    this.canvas.height = h;
    this.requestFrame();
  }

  /** Mark the view dirty; the next scheduled frame draws it. */
  requestFrame(): void {
    if (this.disposed) return;
    this.dirty = true;
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      void this.draw();
    });
  }

  private rasterFor(count: number, width: number, height: number): Rasterizer {
    const r = this.raster;
    if (r && r.maxSplats >= count && r.width >= width && r.height >= height) return r;
    r?.destroy();
    this.raster = new Rasterizer(this.device, {
      maxSplats: roundUp(count, SPLAT_STEP),
      width: roundUp(width, SIZE_STEP),
      height: roundUp(height, SIZE_STEP),
    });
    return this.raster;
  }

  private async draw(): Promise<void> {
    this.inFlight = true;
    const t0 = performance.now();
    try {
      if (this.disposed || !this.dirty) return;
      this.dirty = false;
      const width = this.canvas.width;
      const height = this.canvas.height;
      const source = this.source();
      const encoder = this.device.createCommandEncoder({ label: 'viewer frame' });
      const target = this.context.getCurrentTexture().createView();
      let drawn = 0;
      if (source && source.scene.count > 0 && this.camera) {
        const camera = toCamera(this.camera);
        camera.intrinsics.width = width;
        camera.intrinsics.height = height;
        const raster = this.rasterFor(source.scene.count, width, height);
        raster.forward(encoder, source.scene, camera, {
          background: VIEWER_BACKGROUND,
          shDegree: Math.min(3, source.scene.shDegree),
          near: source.near,
        });
        this.device.queue.writeBuffer(this.params, 0, new Uint32Array([width, height, 0, 0]));
        const pass = encoder.beginRenderPass({
          label: 'viewer blit',
          colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
        });
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(
          0,
          this.device.createBindGroup({
            layout: this.pipeline.getBindGroupLayout(0),
            entries: [
              { binding: 0, resource: { buffer: raster.image, size: width * height * 16 } },
              { binding: 1, resource: { buffer: this.params } },
            ],
          }),
        );
        pass.draw(3);
        pass.end();
        drawn = source.scene.count;
      } else {
        const [r, g, b] = VIEWER_BACKGROUND;
        encoder
          .beginRenderPass({
            label: 'viewer clear',
            colorAttachments: [
              { view: target, loadOp: 'clear', storeOp: 'store', clearValue: { r, g, b, a: 1 } },
            ],
          })
          .end();
      }
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      this.drawnSplats = drawn;
      this.frames++;
      this.onFrame(this.frames, performance.now() - t0);
    } finally {
      this.inFlight = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
      if (this.dirty && !this.disposed) {
        this.dirty = false; // requestFrame sets it again and schedules
        this.requestFrame();
      }
    }
  }

  /** Resolves when the view is drawn and nothing newer is pending. */
  async settled(): Promise<void> {
    while (this.dirty || this.inFlight || this.scheduled) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Statistics of the last frame's pixels (drawn for the latest camera): for tests and debugging. */
  async probe(): Promise<ViewerStats> {
    this.requestFrame();
    await this.settled();
    const width = this.canvas.width;
    const height = this.canvas.height;
    const pixels = width * height;
    const mean: [number, number, number] = [...VIEWER_BACKGROUND];
    let hash = 0x811c9dc5;
    if (this.raster && this.drawnSplats > 0) {
      const staging = this.device.createBuffer({ size: pixels * 16, usage: USAGE.MAP_READ | USAGE.COPY_DST });
      const encoder = this.device.createCommandEncoder({ label: 'viewer probe' });
      encoder.copyBufferToBuffer(this.raster.image, 0, staging, 0, pixels * 16);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const data = new Float32Array(staging.getMappedRange());
      const sum = [0, 0, 0];
      for (let i = 0; i < pixels; i++) {
        for (let c = 0; c < 3; c++) {
          const v = Math.min(1, Math.max(0, data[i * 4 + c]));
          sum[c] += v;
          hash = Math.imul(hash ^ Math.round(v * 255), 0x01000193) >>> 0;
        }
      }
      staging.unmap();
      staging.destroy();
      for (let c = 0; c < 3; c++) mean[c] = sum[c] / pixels;
    }
    return {
      frames: this.frames,
      width,
      height,
      splats: this.drawnSplats,
      mean,
      hash: hash.toString(16).padStart(8, '0'),
    };
  }

  /** After a device loss: the same canvas on the new device (the old rasterizer's buffers are gone). */
  rebind(device: GPUDevice): void {
    this.device = device;
    this.raster = null;
    this.params.destroy();
    ({ pipeline: this.pipeline, params: this.params } = this.setup(device));
    this.inFlight = false;
    this.requestFrame();
  }

  dispose(): void {
    this.disposed = true;
    this.raster?.destroy();
    this.raster = null;
    this.params.destroy();
    this.context.unconfigure();
  }
}
