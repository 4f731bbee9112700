/**
 * The project's reference renderer: a CPU ray caster for synthetic scenes. Colour is supersampled
 * (n×n stratified samples a pixel) with Lambertian shading under a fixed sun with hard shadows plus
 * hemispherical ambient, so every view sees the same surface colours. Depth is exact at the pixel centre
 * (+0.5 convention): z along the optical axis in world units, Infinity where the ray reaches the sky.
 */
import type { Camera } from '../camera';
import { type Mat4, multiply } from '../mat4';
import { type CompiledScene, compileScene, intersect, newHit, occluded, type Scene } from './scene';
import { type Rgb, sampleTexture } from './textures';

export interface RenderOptions {
  /** Samples per pixel along each axis (n×n in all); odd n puts one sample exactly at the centre. */
  samples?: number;
  /** Cast shadow rays towards the sun (default true). */
  shadows?: boolean;
}

export interface RenderResult {
  width: number;
  height: number;
  /** sRGB, row-major, 4 bytes a pixel, alpha 255. */
  rgba: Uint8ClampedArray;
  /** z along the optical axis at each pixel centre (world units); Infinity for sky. */
  depth: Float32Array;
  /** Index of the primitive seen at each pixel centre (scene.primitives), SKY_ID for sky. */
  ids: Uint16Array;
}

export const SKY_ID = 0xffff;

/**
 * Linear radiance → 8-bit sRGB, with a soft highlight shoulder above 0.8 (like a camera's tone curve)
 * so sunlit pale surfaces keep their texture instead of clipping to 255.
 */
function encodeSrgb(x: number): number {
  let c = Math.max(x, 0);
  if (c > 0.8) c = 0.8 + 0.2 * (1 - Math.exp((0.8 - c) / 0.2));
  const s = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(s * 255);
}

/** Camera rays expressed in the layout frame: origin and the linear map from (x/z, y/z, 1) to direction. */
interface RayFrame {
  ox: number;
  oy: number;
  oz: number;
  a: Mat4;
}

function rayFrame(scene: Scene, camera: Camera): RayFrame {
  const a = multiply(scene.layoutFromWorld, camera.worldFromCamera);
  return { ox: a[12], oy: a[13], oz: a[14], a };
}

const T_MIN = 1e-9;

/**
 * A depth probe at arbitrary sub-pixel positions (u, v) (pixel centres at +0.5): returns the depth
 * along the optical axis and the primitive hit (SKY_ID for none). Used for exact visibility tests.
 */
export function makeDepthProbe(scene: Scene, camera: Camera): (u: number, v: number) => [number, number] {
  const compiled = compileScene(scene);
  const { ox, oy, oz, a } = rayFrame(scene, camera);
  const k = camera.intrinsics;
  const hit = newHit();
  return (u, v) => {
    const x = (u - k.cx) / k.fx;
    const y = (v - k.cy) / k.fy;
    const dx = a[0] * x + a[4] * y + a[8];
    const dy = a[1] * x + a[5] * y + a[9];
    const dz = a[2] * x + a[6] * y + a[10];
    return intersect(compiled, ox, oy, oz, dx, dy, dz, T_MIN, Infinity, hit)
      ? [hit.t, hit.prim]
      : [Infinity, SKY_ID];
  };
}

/** Depth only (pixel-centre rays, no shading): cheap, used to normalise the scene scale. */
export function renderDepth(scene: Scene, camera: Camera): Float32Array {
  const k = camera.intrinsics;
  const probe = makeDepthProbe(scene, camera);
  const depth = new Float32Array(k.width * k.height);
  for (let y = 0; y < k.height; y++) {
    for (let x = 0; x < k.width; x++) depth[y * k.width + x] = probe(x + 0.5, y + 0.5)[0];
  }
  return depth;
}

/** Linear radiance of one camera sample, added into acc; returns the hit parameter (Infinity for sky). */
function shadeSample(
  scene: Scene,
  compiled: CompiledScene,
  frame: RayFrame,
  x: number,
  y: number,
  footprintScale: number,
  hit: ReturnType<typeof newHit>,
  albedo: Rgb,
  acc: Float64Array,
  shadows: boolean,
): number {
  const { ox, oy, oz, a } = frame;
  const dx = a[0] * x + a[4] * y + a[8];
  const dy = a[1] * x + a[5] * y + a[9];
  const dz = a[2] * x + a[6] * y + a[10];
  const dlen = Math.hypot(dx, dy, dz);
  if (!intersect(compiled, ox, oy, oz, dx, dy, dz, T_MIN, Infinity, hit)) {
    const sky = scene.sky;
    const h = Math.sqrt(Math.max(dy / dlen, 0));
    for (let c = 0; c < 3; c++) acc[c] += sky.horizon[c] + (sky.zenith[c] - sky.horizon[c]) * h;
    return Infinity;
  }
  const { nx, ny, nz } = hit;
  // Footprint of one sample on the surface (metres): distance × angular size, stretched by the
  // viewing obliquity (geometric mean of the two axes of the footprint ellipse).
  const cos = Math.abs(nx * dx + ny * dy + nz * dz) / dlen;
  const footprint = (hit.t * dlen * footprintScale) / Math.sqrt(Math.max(cos, 0.05));
  const prim = scene.primitives[hit.prim];
  sampleTexture(prim.texture, hit.u, hit.v, hit.w, hit.solid, footprint, albedo);
  const light = scene.light;
  const [lx, ly, lz] = light.direction;
  let direct = nx * lx + ny * ly + nz * lz;
  if (direct > 0 && shadows) {
    const px = ox + hit.t * dx + nx * 1e-6;
    const py = oy + hit.t * dy + ny * 1e-6;
    const pz = oz + hit.t * dz + nz * 1e-6;
    if (occluded(compiled, px, py, pz, lx, ly, lz, 1e-7, Infinity)) direct = 0;
  }
  const sky = 0.5 + 0.5 * ny;
  for (let c = 0; c < 3; c++) {
    const ambient = light.groundAmbient[c] + (light.skyAmbient[c] - light.groundAmbient[c]) * sky;
    acc[c] += albedo[c] * (light.sun[c] * Math.max(direct, 0) + ambient);
  }
  return hit.t;
}

/** Render one view of the scene: supersampled sRGB colour, exact pixel-centre depth and primitive ids. */
export function renderView(scene: Scene, camera: Camera, options: RenderOptions = {}): RenderResult {
  const n = Math.max(1, Math.floor(options.samples ?? 3));
  const shadows = options.shadows ?? true;
  const k = camera.intrinsics;
  const { width, height } = k;
  const compiled = compileScene(scene);
  const frame = rayFrame(scene, camera);
  const probe = n % 2 === 1 ? null : makeDepthProbe(scene, camera);
  const rgba = new Uint8ClampedArray(width * height * 4);
  const depth = new Float32Array(width * height);
  const ids = new Uint16Array(width * height);
  const hit = newHit();
  const albedo: Rgb = [0, 0, 0];
  const acc = new Float64Array(3);
  const centre = n >> 1;
  const footprintScale = 1 / (k.fx * n);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      acc.fill(0);
      const i = py * width + px;
      for (let sy = 0; sy < n; sy++) {
        const y = (py + (sy + 0.5) / n - k.cy) / k.fy;
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n - k.cx) / k.fx;
          const t = shadeSample(scene, compiled, frame, x, y, footprintScale, hit, albedo, acc, shadows);
          if (probe === null && sx === centre && sy === centre) {
            depth[i] = t;
            ids[i] = t === Infinity ? SKY_ID : hit.prim;
          }
        }
      }
      if (probe !== null) {
        const [t, prim] = probe(px + 0.5, py + 0.5);
        depth[i] = t;
        ids[i] = prim;
      }
      const inv = 1 / (n * n);
      rgba[i * 4] = encodeSrgb(acc[0] * inv);
      rgba[i * 4 + 1] = encodeSrgb(acc[1] * inv);
      rgba[i * 4 + 2] = encodeSrgb(acc[2] * inv);
      rgba[i * 4 + 3] = 255;
    }
  }
  return { width, height, rgba, depth, ids };
}
