/**
 * The engine's side of the viewer: answers the viewer commands (attach, resize, camera, probe, open a
 * .ply/.splat) and follows the engine's own events to draw the live training splats (on each
 * 'splats-updated') and to publish the scene's cameras for the UI's frustum overlay.
 */
import type { Camera } from '../geometry/camera';
import { readPly } from '../io/ply';
import { readSplat } from '../io/splat';
import { PipelineError } from '../pipeline/errors';
import type { Reconstruction } from '../pipeline/reconstruction';
import type { EngineEvent, EventSink, SceneCamera, ViewerCommand } from '../protocol';
import type { GaussianCloud } from '../splats/cloud';
import { GpuScene } from '../splats/scene';
import { robustBounds, type SceneBounds } from './bounds';
import { Viewer } from './viewer';

/** Near plane relative to the scene radius for opened files (their scale is unknown). */
const FILE_NEAR_FRACTION = 1e-3;
/** Near plane of the trainer's scenes (median depth of the first view = 1). */
const TRAINING_NEAR = 0.01;

const sceneCamera = (camera: Camera, name: string, kind: SceneCamera['kind']): SceneCamera => ({
  name,
  kind,
  intrinsics: { ...camera.intrinsics },
  worldFromCamera: Array.from(camera.worldFromCamera),
});

/** Reads a dropped splat file by its content (a .ply starts with "ply"), else by its name. */
export function parseSplatFile(name: string, bytes: Uint8Array): GaussianCloud {
  const isPly = bytes.length >= 3 && bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79;
  if (isPly) return readPly(bytes);
  if (/\.splat$/i.test(name)) return readSplat(bytes);
  throw new PipelineError(
    'bad-input',
    `${name} is neither a .ply nor a .splat file: the viewer opens 3D Gaussian splat scenes in those two formats.`,
  );
}

export class ViewerHost {
  private viewer: Viewer | null = null;
  private source: 'training' | 'file' = 'training';
  private file: { scene: GpuScene; name: string; bounds: SceneBounds } | null = null;
  private shownTraining: GpuScene | null = null;

  constructor(
    private readonly emit: EventSink,
    private readonly device: () => GPUDevice | null,
    private readonly reconstruction: () => Reconstruction | null,
  ) {}

  async handle(command: ViewerCommand): Promise<void> {
    switch (command.type) {
      case 'viewer-attach': {
        const device = this.requireDevice();
        this.viewer?.dispose();
        this.viewer = new Viewer(device, command.canvas, (frames, ms) =>
          this.emit({ type: 'viewer-frame', frames, ms }),
        );
        this.viewer.resize(command.width, command.height);
        this.viewer.setSource(() => this.current());
        this.announce();
        return;
      }
      case 'viewer-resize':
        this.viewer?.resize(command.width, command.height);
        return;
      case 'viewer-camera':
        this.viewer?.setCamera(command.camera);
        return;
      case 'viewer-probe': {
        if (!this.viewer) throw new PipelineError('not-available', 'The viewer has no canvas yet.');
        const stats = await this.viewer.probe();
        this.emit({ type: 'viewer-probe', id: command.id, ...stats });
        return;
      }
      case 'open-splats':
        this.open(command.name, new Uint8Array(command.bytes));
        return;
    }
  }

  private open(name: string, bytes: Uint8Array): void {
    const cloud = parseSplatFile(name, bytes);
    if (cloud.count === 0) throw new PipelineError('bad-input', `${name} holds no splats.`);
    const scene = GpuScene.fromCloud(this.requireDevice(), cloud);
    this.file?.scene.destroy();
    this.file = { scene, name, bounds: robustBounds(cloud.means, cloud.count) };
    this.source = 'file';
    this.announce();
    this.viewer?.requestFrame();
  }

  private trainingScene(): GpuScene | null {
    return this.reconstruction()?.outputs.trainer?.scene ?? null;
  }

  private current(): { scene: GpuScene; near: number } | null {
    const device = this.device();
    if (this.source === 'file' && this.file && this.file.scene.device === device)
      return { scene: this.file.scene, near: this.file.bounds.radius * FILE_NEAR_FRACTION };
    const scene = this.trainingScene();
    // A scene on a lost device is never drawn with the new one.
    return scene && scene.device === device ? { scene, near: TRAINING_NEAR } : null;
  }

  /** Tell the UI what is shown (count and bounds for framing). */
  private announce(): void {
    if (this.source === 'file' && this.file) {
      const { name, scene, bounds } = this.file;
      const { count, renderMode } = scene;
      this.emit({ type: 'viewer-scene', source: 'file', name, count, renderMode, ...bounds });
      return;
    }
    const scene = this.trainingScene();
    const cloud = this.reconstruction()?.outputs.geometry?.cloud;
    if (!scene) return;
    const bounds = cloud ? robustBounds(cloud.positions, cloud.count) : { center: [0, 0, 1], radius: 1 };
    this.emit({
      type: 'viewer-scene',
      source: 'training',
      name: 'reconstruction',
      count: scene.count,
      renderMode: scene.renderMode,
      center: bounds.center as [number, number, number],
      radius: bounds.radius,
    });
  }

  /** Every engine event passes here after it was sent. */
  observe(event: EngineEvent): void {
    switch (event.type) {
      case 'stage-started':
        if (event.stage === 'geometry') {
          // A new run: its splats replace an opened file in the view.
          this.source = 'training';
          this.shownTraining = null;
          this.emit({ type: 'scene-cameras', cameras: [] });
          this.viewer?.requestFrame();
        }
        return;
      case 'stage-finished':
        if (event.stage === 'geometry' || event.stage === 'synthesis') this.publishCameras();
        return;
      case 'splats-updated': {
        if (this.source !== 'training') return;
        const scene = this.trainingScene();
        if (scene && scene !== this.shownTraining) {
          this.shownTraining = scene;
          this.announce();
        }
        this.viewer?.requestFrame();
        return;
      }
      case 'finished':
        this.viewer?.requestFrame();
        return;
      default:
        return;
    }
  }

  private publishCameras(): void {
    const r = this.reconstruction();
    const geometry = r?.outputs.geometry;
    if (!geometry) return;
    const names = r.outputs.photos?.map((p) => p.name) ?? [];
    const cameras = geometry.views.map((v, i) =>
      sceneCamera(v.camera, names[i] ?? `photo ${i + 1}`, 'input'),
    );
    const frames = r.outputs.synthesis?.frames ?? [];
    frames.forEach((f, i) => {
      if (f.source === 'synthesized') cameras.push(sceneCamera(f.camera, `frame ${i + 1}`, 'trajectory'));
    });
    this.emit({ type: 'scene-cameras', cameras });
  }

  /** After device recovery: the canvas moves to the new device; an opened file is gone with the old one. */
  rebind(): void {
    const device = this.device();
    if (!device || !this.viewer) return;
    this.file = null;
    this.source = 'training';
    this.shownTraining = null;
    this.viewer.rebind(device);
  }

  private requireDevice(): GPUDevice {
    const device = this.device();
    if (!device) throw new PipelineError('not-available', 'The viewer needs the GPU device first.');
    return device;
  }

  dispose(): void {
    this.viewer?.dispose();
    this.viewer = null;
    this.file?.scene.destroy();
    this.file = null;
  }
}
