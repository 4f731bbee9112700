/**
 * Joint refinement of the input camera poses during optimisation (InstantSplat optimises each training
 * view's pose with the Gaussians). Everything stays on the GPU: per refined view a correction
 * ξ = (ω, v) and its Adam moments live in small storage buffers; a one-thread kernel composes
 *
 *   cameraFromWorld = [Exp(ω) | v] · cameraFromWorld_base        (camera frame, OpenCV axes)
 *
 * into the pose the rasterizer copies over its camera uniform (no CPU round trip), and after a view's
 * backward a workgroup reduction turns the per-splat gradients of that view into dL/dξ (the maths is in
 * shaders/splat/pose.wgsl: a camera motion is the inverse rigid motion of the splats, with the SH
 * view-direction share put right and the left Jacobian of SO(3) applied, so the gradient is exact). The
 * reduction must run right after the view's backward, before another view adds into the gradients.
 */
import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import commonWgsl from '../../../shaders/splat/common.wgsl?raw';
import poseWgsl from '../../../shaders/splat/pose.wgsl?raw';
import type { Camera } from '../geometry/camera';
import {
  fromRotationTranslation,
  invertRigid,
  rotationOf,
  transformPoint,
  translationOf,
} from '../geometry/mat4';
import { apply3, expSO3, mul3, rotationDistanceDeg } from '../geometry/pointmap/rotation';
import { createBuffer, readF32, STORAGE, UNIFORM } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { splitDispatch } from '../gpu/dispatch';
import { bindMap, computePipeline } from '../gpu/pipelines';
import { Adam } from './adam';
import { shCoeffs } from './cloud';
import { rasterWgslHeader } from './raster-constants';
import { cameraSetup } from './raster-view';
import type { GpuScene } from './scene';

const { WG_SIZE, POSE_WORDS, POSE_PARTIAL_FLOATS, MAX_WORKGROUPS_PER_DIM, SPLAT_GRAD2D_FLOATS } =
  GPU_CONSTANTS;

/** Floats of a pose correction ξ = (ω rotation vector in radians, v translation), camera frame. */
export const POSE_DOF = 6;

/** Learning rates of the pose corrections (Adam; radians and scene units a step). */
export interface PoseRates {
  rotation: number;
  translation: number;
}

/** `base` with the correction ξ applied: cameraFromWorld = [Exp(ω) | v]·cameraFromWorld_base. */
export function correctedCamera(base: Camera, xi: ArrayLike<number>): Camera {
  const fromWorld = invertRigid(base.worldFromCamera);
  const e = expSO3([xi[0], xi[1], xi[2]]);
  const r = mul3(e, rotationOf(fromWorld));
  const t = apply3(e, translationOf(fromWorld));
  const tau = [t[0] + xi[3], t[1] + xi[4], t[2] + xi[5]];
  return { intrinsics: base.intrinsics, worldFromCamera: invertRigid(fromRotationTranslation(r, tau)) };
}

/** How far apart two poses are: rotation angle (degrees) and distance of the camera centres. */
export function poseDistance(a: Camera, b: Camera): { rotationDeg: number; translation: number } {
  const ca = transformPoint(a.worldFromCamera, [0, 0, 0]);
  const cb = transformPoint(b.worldFromCamera, [0, 0, 0]);
  return {
    rotationDeg: rotationDistanceDeg(rotationOf(a.worldFromCamera), rotationOf(b.worldFromCamera)),
    translation: Math.hypot(ca[0] - cb[0], ca[1] - cb[1], ca[2] - cb[2]),
  };
}

interface ViewPose {
  /** Rows of the base [R | τ] (12 f32). */
  base: GPUBuffer;
  xi: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  grad: GPUBuffer;
  /** The composed pose (POSE_WORDS f32), what the rasterizer reads. */
  pose: GPUBuffer;
  /** Adam steps taken (bias correction counts per view: a view's pose moves only when it is drawn). */
  steps: number;
}

export class PoseRefiner {
  readonly device: GPUDevice;
  /** The base cameras, one per view (refined or not). */
  readonly baseCameras: readonly Camera[];
  private readonly views: (ViewPose | null)[];
  private readonly adam: Adam;
  private readonly ownsAdam: boolean;
  private readonly params: GPUBuffer;
  private readonly partials: GPUBuffer;
  private readonly maxSplats: number;
  private paramsKey = '';
  private readonly k: {
    compose: GPUComputePipeline;
    partials: GPUComputePipeline;
    finish: GPUComputePipeline;
  };

  /**
   * `refine[i]` says whether view i's pose is optimised (the others keep their cameras; no buffers).
   * `maxSplats` sizes the reduction scratch. Pass the trainer's Adam to share its uniform ring.
   */
  constructor(
    device: GPUDevice,
    cameras: readonly Camera[],
    refine: readonly boolean[],
    maxSplats: number,
    options: { adam?: Adam } = {},
  ) {
    if (refine.length !== cameras.length) throw new Error('PoseRefiner: one refine flag a camera');
    this.device = device;
    this.baseCameras = cameras;
    this.maxSplats = Math.max(1, maxSplats);
    this.ownsAdam = !options.adam;
    this.adam = options.adam ?? new Adam(device);
    this.views = cameras.map((camera, i) => {
      if (!refine[i]) return null;
      const c = cameraSetup(camera);
      const rows = new Float32Array(12);
      for (let r = 0; r < 3; r++) rows.set([c.R[3 * r], c.R[3 * r + 1], c.R[3 * r + 2], c.tau[r]], 4 * r);
      return {
        base: createBuffer(device, `pose base ${i}`, rows),
        xi: createBuffer(device, `pose xi ${i}`, POSE_DOF * 4, STORAGE),
        ...this.adam.createMoments(POSE_DOF, `pose ${i}`),
        grad: createBuffer(device, `pose grad ${i}`, POSE_DOF * 4, STORAGE),
        pose: createBuffer(device, `pose ${i}`, POSE_WORDS * 4, STORAGE),
        steps: 0,
      };
    });
    this.params = createBuffer(device, 'pose params', 16, UNIFORM);
    this.partials = createBuffer(
      device,
      'pose partial sums',
      Math.ceil(this.maxSplats / WG_SIZE) * POSE_PARTIAL_FLOATS * 4,
      STORAGE,
    );
    const sources = [dispatchWgsl, rasterWgslHeader(), commonWgsl, poseWgsl];
    const kernel = (entryPoint: string) =>
      computePipeline(device, { label: 'splat-pose', sources, entryPoint });
    this.k = {
      compose: kernel('compose_pose'),
      partials: kernel('pose_partials'),
      finish: kernel('pose_finish'),
    };
  }

  /** Whether view i's pose is refined. */
  refines(view: number): boolean {
    return !!this.views[view];
  }

  /** View i's composed pose for Rasterizer.forward (valid after encodeCompose). */
  pose(view: number): GPUBuffer {
    return this.require(view).pose;
  }

  /** View i's dL/dξ of the last encodeGradient (6 f32: rotation, translation). */
  gradient(view: number): GPUBuffer {
    return this.require(view).grad;
  }

  /** Sets view i's correction (and restarts its Adam state): tests, or resuming a run. */
  setCorrection(view: number, xi: ArrayLike<number>): void {
    const p = this.require(view);
    this.device.queue.writeBuffer(
      p.xi,
      0,
      Float32Array.from({ length: POSE_DOF }, (_, k) => xi[k] ?? 0),
    );
    const zeros = new Float32Array(POSE_DOF);
    this.device.queue.writeBuffer(p.m, 0, zeros);
    this.device.queue.writeBuffer(p.v, 0, zeros);
    p.steps = 0;
  }

  /** Composes view i's pose from its base and ξ (run before the view's forward). */
  encodeCompose(encoder: GPUCommandEncoder, view: number): void {
    const p = this.require(view);
    const pass = encoder.beginComputePass({ label: 'pose compose' });
    pass.setPipeline(this.k.compose);
    pass.setBindGroup(0, bindMap(this.device, this.k.compose, { 9: p.xi, 11: p.base, 12: p.pose }));
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  /**
   * dL/dξ of view i into gradient(i), from the scene's gradient buffers and the rasterizer's screen-space
   * gradients (`grad2d`) as the backward of this view (drawn with pose(i), SH degree `shDegree`) left them.
   */
  encodeGradient(
    encoder: GPUCommandEncoder,
    view: number,
    scene: GpuScene,
    grad2d: GPUBuffer,
    shDegree: number,
  ): void {
    const p = this.require(view);
    const n = scene.count;
    if (n > this.maxSplats) throw new Error(`PoseRefiner: ${n} splats exceed ${this.maxSplats}`);
    if (grad2d.size < n * SPLAT_GRAD2D_FLOATS * 4) throw new Error('PoseRefiner: grad2d is too small');
    const groups = Math.ceil(n / WG_SIZE);
    const key = `${n}/${shDegree}/${scene.shDegree}`;
    if (key !== this.paramsKey) {
      this.device.queue.writeBuffer(
        this.params,
        0,
        new Uint32Array([n, shDegree, shCoeffs(scene.shDegree), groups]),
      );
      this.paramsKey = key;
    }
    const pass = encoder.beginComputePass({ label: 'pose gradient' });
    pass.setPipeline(this.k.partials);
    pass.setBindGroup(
      0,
      bindMap(this.device, this.k.partials, {
        0: this.params,
        1: p.pose,
        2: scene.params.means,
        3: scene.params.rotations,
        4: scene.params.sh,
        5: grad2d,
        6: scene.grads.means,
        7: scene.grads.rotations,
        8: this.partials,
      }),
    );
    pass.dispatchWorkgroups(...splitDispatch(groups, MAX_WORKGROUPS_PER_DIM));
    pass.setPipeline(this.k.finish);
    pass.setBindGroup(
      0,
      bindMap(this.device, this.k.finish, {
        0: this.params,
        1: p.pose,
        8: this.partials,
        9: p.xi,
        10: p.grad,
      }),
    );
    pass.dispatchWorkgroups(1);
    pass.end();
  }

  /** One Adam step of view i's correction from gradient(i). */
  encodeStep(encoder: GPUCommandEncoder, view: number, rates: PoseRates): void {
    const p = this.require(view);
    if (!(rates.rotation > 0 && rates.translation > 0))
      throw new Error(
        `PoseRefiner: pose learning rates must be > 0 (${rates.rotation}, ${rates.translation})`,
      );
    p.steps++;
    this.adam.encodeGroup(
      encoder,
      {
        param: p.xi,
        grad: p.grad,
        m: p.m,
        v: p.v,
        count: POSE_DOF,
        lr: rates.rotation,
        stride: POSE_DOF,
        headFloats: 3,
        tailLrScale: rates.translation / rates.rotation,
      },
      p.steps,
    );
  }

  /** Every view's correction ξ (null where not refined). Waits for the GPU: not for per-step use. */
  async corrections(): Promise<(Float32Array | null)[]> {
    return Promise.all(this.views.map((p) => (p ? readF32(this.device, p.xi, POSE_DOF) : null)));
  }

  /** The cameras with their corrections applied (the base camera where not refined). Waits for the GPU. */
  async cameras(): Promise<Camera[]> {
    const xi = await this.corrections();
    return this.baseCameras.map((c, i) => {
      const x = xi[i];
      return x ? correctedCamera(c, x) : c;
    });
  }

  destroy(): void {
    for (const p of this.views) {
      if (!p) continue;
      for (const b of [p.base, p.xi, p.m, p.v, p.grad, p.pose]) b.destroy();
    }
    this.params.destroy();
    this.partials.destroy();
    if (this.ownsAdam) this.adam.destroy();
  }

  private require(view: number): ViewPose {
    const p = this.views[view];
    if (!p) throw new Error(`PoseRefiner: view ${view} is not refined`);
    return p;
  }
}
