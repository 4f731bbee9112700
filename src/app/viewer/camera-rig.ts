/**
 * The viewer's camera on the UI side: a three.js PerspectiveCamera driven by OrbitControls (left-drag
 * orbit, right/shift-drag pan, wheel zoom, one-finger orbit, pinch, two-finger pan) plus WASD/QE fly,
 * framing and snapping to input cameras. It is sent to the worker in the engine's OpenCV convention.
 *
 * The engine's world is the first input camera's OpenCV frame (y down, z forward), used here as the
 * three.js world unchanged, so "up" is −y. three.js cameras look down their −z with y up; OpenCV's
 * camera axes are (x, −y, −z) of that: worldFromCamera_cv = matrixWorld · diag(1, −1, −1, 1).
 */
import { Matrix4, PerspectiveCamera, Vector3 } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { ViewCamera } from '../../engine/protocol';

const FLIP_YZ = new Matrix4().makeScale(1, -1, -1);
const FLY_KEYS = ['w', 'a', 's', 'd', 'q', 'e'] as const;

/** OpenCV worldFromCamera (column-major) of a three.js camera. */
export function openCvFromThree(camera: PerspectiveCamera): number[] {
  camera.updateMatrixWorld();
  return camera.matrixWorld.clone().multiply(FLIP_YZ).toArray();
}

/** Pinhole intrinsics of a three.js camera drawn at width×height pixels (square pixels, centred). */
export function intrinsicsOf(camera: PerspectiveCamera, width: number, height: number) {
  const fy = height / 2 / Math.tan((camera.fov * Math.PI) / 360);
  return { fx: fy, fy, cx: width / 2, cy: height / 2, width, height };
}

export class CameraRig {
  readonly camera = new PerspectiveCamera(50, 1, 0.01, 1000);
  readonly controls: OrbitControls;
  private width = 1;
  private height = 1;
  private readonly held = new Set<string>();
  private flying = 0;
  private lastFly = 0;
  private radius = 1;

  constructor(
    element: HTMLElement,
    private readonly onChange: () => void,
  ) {
    this.camera.up.set(0, -1, 0);
    this.camera.position.set(0, 0, -1.5);
    this.controls = new OrbitControls(this.camera, element);
    this.controls.target.set(0, 0, 1);
    this.controls.enableDamping = false;
    this.controls.screenSpacePanning = true;
    this.controls.addEventListener('change', () => this.onChange());
    this.controls.update();
  }

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.camera.aspect = this.width / this.height;
    this.camera.updateProjectionMatrix();
  }

  /** The camera as the engine wants it, at the canvas' pixel size. */
  view(): ViewCamera {
    return {
      worldFromCamera: openCvFromThree(this.camera),
      intrinsics: intrinsicsOf(this.camera, this.width, this.height),
    };
  }

  /** Look at the scene's centre from a distance that fits its radius, keeping the current direction. */
  frame(center: [number, number, number], radius: number): void {
    this.radius = radius;
    const target = new Vector3(...center);
    const dir = this.camera.position.clone().sub(this.controls.target);
    if (dir.lengthSq() < 1e-12) dir.set(0, 0, -1);
    dir.normalize();
    const fit = radius / Math.sin(((this.camera.fov / 2) * Math.PI) / 180);
    this.camera.position.copy(target.clone().addScaledVector(dir, fit * 1.1));
    this.controls.target.copy(target);
    this.setClip();
    this.controls.update();
    this.onChange();
  }

  /** Where the camera stands and what it orbits (read by the e2e tests through window.__studio). */
  pose(): { position: number[]; target: number[]; distance: number } {
    return {
      position: this.camera.position.toArray(),
      target: this.controls.target.toArray(),
      distance: this.camera.position.distanceTo(this.controls.target),
    };
  }

  /** Stand where a scene camera stood, looking where it looked (its field of view too). */
  snapTo(camera: ViewCamera, center?: [number, number, number]): void {
    const m = new Matrix4().fromArray(camera.worldFromCamera).multiply(FLIP_YZ);
    const position = new Vector3().setFromMatrixPosition(m);
    const forward = new Vector3(
      camera.worldFromCamera[8],
      camera.worldFromCamera[9],
      camera.worldFromCamera[10],
    );
    const depth = center ? Math.max(0.1, new Vector3(...center).sub(position).dot(forward)) : 1;
    this.camera.position.copy(position);
    this.camera.fov = (2 * Math.atan(camera.intrinsics.height / 2 / camera.intrinsics.fy) * 180) / Math.PI;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(position.clone().addScaledVector(forward, depth));
    this.controls.update();
    this.onChange();
  }

  private setClip(): void {
    this.camera.near = Math.max(1e-4, this.radius * 1e-3);
    this.camera.far = this.radius * 1e3;
    this.camera.updateProjectionMatrix();
  }

  /** Key handling for WASD/QE fly; returns true when the key belongs to the rig. */
  key(event: KeyboardEvent, down: boolean): boolean {
    const k = event.key.toLowerCase();
    if (!(FLY_KEYS as readonly string[]).includes(k)) return false;
    if (down) this.held.add(k);
    else this.held.delete(k);
    if (this.held.size > 0 && !this.flying) {
      this.lastFly = performance.now();
      this.flying = requestAnimationFrame(this.flyStep);
    }
    return true;
  }

  private readonly flyStep = (): void => {
    const now = performance.now();
    const dt = Math.min(0.1, (now - this.lastFly) / 1000);
    this.lastFly = now;
    const speed = this.radius * 0.8 * dt;
    const forward = new Vector3();
    this.camera.getWorldDirection(forward);
    const right = new Vector3().crossVectors(forward, this.camera.up).normalize();
    const up = this.camera.up.clone();
    const move = new Vector3();
    if (this.held.has('w')) move.add(forward);
    if (this.held.has('s')) move.sub(forward);
    if (this.held.has('d')) move.add(right);
    if (this.held.has('a')) move.sub(right);
    if (this.held.has('e')) move.add(up);
    if (this.held.has('q')) move.sub(up);
    if (move.lengthSq() > 0) {
      move.normalize().multiplyScalar(speed);
      this.camera.position.add(move);
      this.controls.target.add(move);
      this.controls.update();
      this.onChange();
    }
    this.flying = this.held.size > 0 ? requestAnimationFrame(this.flyStep) : 0;
  };

  dispose(): void {
    if (this.flying) cancelAnimationFrame(this.flying);
    this.controls.dispose();
  }
}
