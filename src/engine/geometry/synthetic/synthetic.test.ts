import { describe, expect, it } from 'vitest';
import { projectPoint, unprojectPixel } from '../camera';
import { rotationOf, transformPoint, translationOf } from '../mat4';
import {
  covisibleMask,
  distanceToSurface,
  makeCameras,
  makeDepthProbe,
  makeSyntheticScene,
  PRESETS,
  type RenderResult,
  renderView,
  SKY_ID,
  type SyntheticScene,
} from './index';

const W = 128;
const H = 96;

// One scene per preset (seeds 0, 1, 2 map to tabletop, room, objects), views 0 and 1 rendered once.
const scenes = PRESETS.map((preset, seed) =>
  makeSyntheticScene({ preset, seed, views: 3, width: W, height: H }),
);
const renders = new Map<SyntheticScene, RenderResult[]>();
function viewsOf(s: SyntheticScene): RenderResult[] {
  if (!renders.has(s)) renders.set(s, [renderView(s.scene, s.cameras[0]), renderView(s.scene, s.cameras[1])]);
  return renders.get(s)!;
}

const luminance = (r: RenderResult, i: number) =>
  0.299 * r.rgba[4 * i] + 0.587 * r.rgba[4 * i + 1] + 0.114 * r.rgba[4 * i + 2];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

describe('synthetic scenes', () => {
  it('is deterministic: same seed, identical bytes; another seed, another image', () => {
    const a = makeSyntheticScene({ seed: 7, views: 2, width: 64, height: 48 });
    const b = makeSyntheticScene({ seed: 7, views: 2, width: 64, height: 48 });
    const c = makeSyntheticScene({ seed: 10, views: 2, width: 64, height: 48, preset: a.preset });
    expect(Array.from(b.cameras[1].worldFromCamera)).toEqual(Array.from(a.cameras[1].worldFromCamera));
    const ra = renderView(a.scene, a.cameras[1]);
    const rb = renderView(b.scene, b.cameras[1]);
    const rc = renderView(c.scene, c.cameras[1]);
    expect(Buffer.from(rb.rgba).equals(Buffer.from(ra.rgba))).toBe(true);
    expect(Buffer.from(rb.depth.buffer).equals(Buffer.from(ra.depth.buffer))).toBe(true);
    expect(Buffer.from(rc.rgba).equals(Buffer.from(ra.rgba))).toBe(false);
  });

  it('offers three distinct presets with one texture-poor surface each', () => {
    expect(new Set(scenes.map((s) => s.preset)).size).toBe(3);
    for (const s of scenes) {
      expect(s.scene.primitives.filter((p) => p.texturePoor)).toHaveLength(1);
      const kinds = s.scene.primitives.map((p) => p.shape.kind);
      expect(kinds).toContain('box');
      expect(kinds).toContain('sphere');
    }
  });

  it('puts world at camera 0 with median depth 1 and realistic, shared intrinsics', () => {
    for (const s of scenes) {
      const cam0 = s.cameras[0].worldFromCamera;
      for (let i = 0; i < 16; i++) expect(cam0[i]).toBe(i % 5 === 0 ? 1 : 0);
      const finite = Array.from(viewsOf(s)[0].depth).filter(Number.isFinite);
      expect(median(finite)).toBeCloseTo(1, 4);
      for (const c of s.cameras) {
        expect(c.intrinsics).toEqual({ fx: 0.9 * W, fy: 0.9 * W, cx: W / 2, cy: H / 2, width: W, height: H });
      }
    }
  });

  it('spaces views 5–12° apart (orbit) with real baselines', () => {
    for (const kind of ['pair', 'triplet', 'orbit'] as const) {
      const count = kind === 'pair' ? 2 : kind === 'triplet' ? 3 : 6;
      const { cameras } = makeCameras(kind, count, 3);
      expect(cameras).toHaveLength(count);
      for (let i = 1; i < count; i++) {
        const [r0, r1] = [rotationOf(cameras[i - 1].worldFromCamera), rotationOf(cameras[i].worldFromCamera)];
        // Angle between optical axes (third columns).
        const dot = r0[2] * r1[2] + r0[5] * r1[5] + r0[8] * r1[8];
        const deg = (Math.acos(Math.min(1, dot)) * 180) / Math.PI;
        expect(deg).toBeGreaterThan(3);
        expect(deg).toBeLessThan(16);
        const [t0, t1] = [
          translationOf(cameras[i - 1].worldFromCamera),
          translationOf(cameras[i].worldFromCamera),
        ];
        expect(Math.hypot(t1[0] - t0[0], t1[1] - t0[1], t1[2] - t0[2])).toBeGreaterThan(0.1);
      }
    }
    expect(() => makeCameras('pair', 3, 0)).toThrow();
  });

  it('has depth that lands exactly on the surface the pixel shows', () => {
    for (const s of scenes) {
      const r = viewsOf(s)[0];
      let checked = 0;
      let worst = 0;
      for (let i = 0; i < W * H; i += 7) {
        if (r.ids[i] === SKY_ID) {
          expect(r.depth[i]).toBe(Infinity);
          continue;
        }
        const world = unprojectPixel(s.cameras[0], (i % W) + 0.5, Math.floor(i / W) + 0.5, r.depth[i]);
        const layout = transformPoint(s.scene.layoutFromWorld, world);
        worst = Math.max(worst, distanceToSurface(s.scene.primitives[r.ids[i]].shape, layout));
        checked++;
      }
      expect(checked).toBeGreaterThan(1000);
      // Float32 depth of a few metres: ~1e-6 m is rounding; a wrong ray would be off by centimetres.
      expect(worst).toBeLessThan(2e-5);
    }
  });

  it('agrees across views: co-visible points re-intersect at the projected depth, colours match', () => {
    for (const s of scenes) {
      const [a, b] = viewsOf(s);
      const mask = covisibleMask(a.depth, s.cameras[0], b.depth, s.cameras[1]);
      const probeB = makeDepthProbe(s.scene, s.cameras[1]);
      let covisible = 0;
      let confirmed = 0;
      const diff: number[] = [];
      const shuffled: number[] = [];
      for (let i = 0; i < W * H; i++) {
        if (!mask[i]) continue;
        covisible++;
        const world = unprojectPixel(s.cameras[0], (i % W) + 0.5, Math.floor(i / W) + 0.5, a.depth[i]);
        const [u, v, z] = projectPoint(s.cameras[1], world);
        if (Math.abs(probeB(u, v)[0] - z) < 1e-5 * z) confirmed++;
        const j = Math.min(Math.floor(v), H - 1) * W + Math.min(Math.floor(u), W - 1);
        diff.push(Math.abs(luminance(a, i) - luminance(b, j)));
        shuffled.push(Math.abs(luminance(a, i) - luminance(b, (i * 7919) % (W * H))));
      }
      expect(covisible / (W * H)).toBeGreaterThan(0.5);
      expect(confirmed / covisible).toBeGreaterThan(0.99);
      // Same surface point, nearest pixel: close in colour; unrelated pixels: far apart.
      expect(median(diff)).toBeLessThan(0.35 * median(shuffled));
    }
  });

  it('is textured everywhere except the texture-poor surface', () => {
    for (const s of scenes) {
      const r = viewsOf(s)[0];
      const textured: number[] = [];
      const poor: number[] = [];
      let saturated = 0;
      for (let y = 1; y < H - 1; y++) {
        for (let x = 1; x < W - 1; x++) {
          const i = y * W + x;
          const id = r.ids[i];
          for (let c = 0; c < 3; c++) if (r.rgba[4 * i + c] === 0 || r.rgba[4 * i + c] === 255) saturated++;
          // Interior pixels of one primitive only: silhouettes are not texture.
          if (id === SKY_ID || [i - 1, i + 1, i - W, i + W].some((j) => r.ids[j] !== id)) continue;
          const g =
            Math.hypot(luminance(r, i + 1) - luminance(r, i - 1), luminance(r, i + W) - luminance(r, i - W)) /
            2;
          (s.scene.primitives[id].texturePoor ? poor : textured).push(g);
        }
      }
      expect(textured.filter((g) => g > 2).length / textured.length).toBeGreaterThan(0.75);
      expect(median(textured)).toBeGreaterThan(3);
      expect(poor.length).toBeGreaterThan(50);
      expect(median(poor)).toBeLessThan(1);
      expect(saturated / (3 * W * H)).toBeLessThan(0.02);
    }
  });
});

describe('covisibleMask', () => {
  it('marks every finite pixel co-visible with itself and never the sky', () => {
    const s = scenes[2];
    const [a] = viewsOf(s);
    const self = covisibleMask(a.depth, s.cameras[0], a.depth, s.cameras[0]);
    let sky = 0;
    for (let i = 0; i < W * H; i++) {
      expect(self[i]).toBe(Number.isFinite(a.depth[i]) ? 1 : 0);
      if (!Number.isFinite(a.depth[i])) sky++;
    }
    expect(sky).toBeGreaterThan(0);
  });

  it('excludes occluded and out-of-frame points and matches exact ray-cast visibility', () => {
    for (const s of scenes) {
      const [a, b] = viewsOf(s);
      const mask = covisibleMask(a.depth, s.cameras[0], b.depth, s.cameras[1]);
      const probeB = makeDepthProbe(s.scene, s.cameras[1]);
      let visible = 0;
      let found = 0;
      let occluded = 0;
      let outside = 0;
      let leaked = 0;
      for (let i = 0; i < W * H; i++) {
        if (!Number.isFinite(a.depth[i])) continue;
        const world = unprojectPixel(s.cameras[0], (i % W) + 0.5, Math.floor(i / W) + 0.5, a.depth[i]);
        const [u, v, z] = projectPoint(s.cameras[1], world);
        if (!(z > 0 && u >= 0 && u < W && v >= 0 && v < H)) {
          outside++;
          expect(mask[i]).toBe(0);
          continue;
        }
        if (Math.abs(probeB(u, v)[0] - z) < 1e-5 * z) {
          visible++;
          if (mask[i]) found++;
        } else {
          occluded++;
          // Hidden by something nearer: only pixels right at an occluding edge may slip through.
          if (mask[i]) leaked++;
        }
      }
      expect(found / visible).toBeGreaterThan(0.97);
      expect(occluded / (W * H)).toBeGreaterThan(0.005);
      expect(leaked / occluded).toBeLessThan(0.05);
      expect(outside).toBeGreaterThan(0);
    }
  });
});
