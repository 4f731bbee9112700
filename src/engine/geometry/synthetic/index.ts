/**
 * Synthetic scenes with exact ground truth (poses, intrinsics, depth, visibility) rendered by the
 * project's own CPU ray caster. Pure TypeScript: runs in Node (fixtures, tests, eval) and in the browser.
 *
 *   const s = makeSyntheticScene({ preset: 'tabletop', seed: 1, views: 3, width: 256, height: 192 });
 *   const { rgba, depth } = renderView(s.scene, s.cameras[0]);
 */
import type { Camera } from '../camera';
import { type Mat4, multiply } from '../mat4';
import { type CameraKind, kindForViews, makeCameras } from './cameras';
import { buildLayout, PRESETS, type PresetName } from './presets';
import { renderDepth } from './render';
import type { Scene } from './scene';

export {
  type CameraKind,
  type CameraRig,
  type CameraRigOptions,
  kindForViews,
  makeCameras,
  phoneIntrinsics,
} from './cameras';
export { type CovisibilityOptions, covisibleMask } from './covisibility';
export { buildLayout, hex, type Layout, PRESETS, type PresetName } from './presets';
export {
  makeDepthProbe,
  type RenderOptions,
  type RenderResult,
  renderDepth,
  renderView,
  SKY_ID,
} from './render';
export { distanceToSurface, type Primitive, type Scene, type Shape } from './scene';
export type { Rgb, TextureSpec } from './textures';

export interface SyntheticSceneOptions {
  /** Layout preset; by default PRESETS[seed mod 3], so consecutive seeds give distinct layouts. */
  preset?: PresetName;
  seed: number;
  /** Number of views (default 3). */
  views?: number;
  /** Camera rig; by default 2 views → pair, 3 → triplet, more → orbit. */
  kind?: CameraKind;
  width?: number;
  height?: number;
  /** fx = fy = focalFactor · width (default 0.9). */
  focalFactor?: number;
}

export interface SyntheticScene {
  preset: PresetName;
  seed: number;
  kind: CameraKind;
  scene: Scene;
  /** Ground-truth cameras, world = camera 0, OpenCV axes, units such that median depth of view 0 = 1. */
  cameras: Camera[];
  /** World units per metre of the layout (depth in metres = depth / scale). */
  scale: number;
}

export const presetForSeed = (seed: number): PresetName => PRESETS[((seed % 3) + 3) % 3];

function median(values: Float32Array): number {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) throw new Error('synthetic scene: view 0 sees no geometry');
  finite.sort((a, b) => a - b);
  const m = finite.length >> 1;
  return finite.length % 2 ? finite[m] : 0.5 * (finite[m - 1] + finite[m]);
}

function scaling(k: number): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = k;
  m[15] = 1;
  return m;
}

/**
 * A scene and its cameras, normalised to the project's conventions: world = camera 0 and the median
 * pixel-centre depth of view 0 equals 1 (DESIGN.md scale convention). Deterministic in the options.
 */
export function makeSyntheticScene(options: SyntheticSceneOptions): SyntheticScene {
  const { seed } = options;
  const preset = options.preset ?? presetForSeed(seed);
  const views = options.views ?? 3;
  const kind = options.kind ?? kindForViews(views);
  const layout = buildLayout(preset, seed);
  const rig = makeCameras(kind, views, seed, {
    ...layout.camera,
    width: options.width ?? 256,
    height: options.height ?? 192,
    focalFactor: options.focalFactor,
  });
  const scene: Scene = {
    preset,
    seed,
    primitives: layout.primitives,
    light: layout.light,
    sky: layout.sky,
    layoutFromWorld: rig.layoutFromWorld,
    scale: 1,
  };
  // Depth of view 0 in metres, then rescale: world = metres / median.
  const metres = median(renderDepth(scene, rig.cameras[0]));
  const scale = 1 / metres;
  scene.layoutFromWorld = multiply(rig.layoutFromWorld, scaling(metres));
  scene.scale = scale;
  const cameras = rig.cameras.map((c) => {
    const m = new Float64Array(c.worldFromCamera);
    m[12] *= scale;
    m[13] *= scale;
    m[14] *= scale;
    return { intrinsics: { ...c.intrinsics }, worldFromCamera: m };
  });
  return { preset, seed, kind, scene, cameras, scale };
}
