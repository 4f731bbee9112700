/**
 * Procedural, photo-like albedo textures. Coordinates are metres in the surface's own frame (u, v on a
 * face, plus w for solid textures on spheres). Colours are linear RGB albedo in [0, 1]. Every texture
 * except `plain` carries multi-octave grain so features and stereo have something to lock onto; `plain`
 * is the deliberately texture-poor surface.
 */
import { fbm2, fbm3, hash3 } from './noise';

export type Rgb = [number, number, number];

export type TextureSpec =
  /** Stone/plaster-like fBm mapped through a three-colour palette, with a low-frequency tint. */
  | { kind: 'fbm'; colors: [Rgb, Rgb, Rgb]; scale: number; octaves: number; seed: number }
  /** Running-bond bricks (size = [width, height] m) with per-brick colour, grain and mortar. */
  | { kind: 'bricks'; brick: Rgb; mortar: Rgb; size: [number, number]; mortarWidth: number; seed: number }
  /** Square tiles with grout; each tile takes one of two colours plus mottling. */
  | { kind: 'tiles'; colors: [Rgb, Rgb]; grout: Rgb; size: number; groutWidth: number; seed: number }
  /** Checkerboard modulated by fBm (3D parity on spheres). */
  | { kind: 'checker'; colors: [Rgb, Rgb]; size: number; seed: number }
  /** Wooden planks (width m) with growth rings, grain and dark seams. */
  | { kind: 'wood'; light: Rgb; dark: Rgb; plankWidth: number; seed: number }
  /** Marble: light base with turbulent dark veins. */
  | { kind: 'marble'; base: Rgb; vein: Rgb; scale: number; seed: number }
  /** Linear colour gradient along u over `length` m, with fBm grain. */
  | { kind: 'gradient'; from: Rgb; to: Rgb; length: number; seed: number }
  /** Near-uniform colour (±1 % very low-frequency variation): the texture-poor surface. */
  | { kind: 'plain'; color: Rgb; seed: number };

const clamp01 = (x: number) => (x < 0 ? 0 : Math.min(x, 1));
const smooth = (e0: number, e1: number, x: number) => {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};

function mixInto(out: Rgb, a: Rgb, b: Rgb, t: number): void {
  out[0] = a[0] + (b[0] - a[0]) * t;
  out[1] = a[1] + (b[1] - a[1]) * t;
  out[2] = a[2] + (b[2] - a[2]) * t;
}

function scaleInto(out: Rgb, k: number): void {
  out[0] = clamp01(out[0] * k);
  out[1] = clamp01(out[1] * k);
  out[2] = clamp01(out[2] * k);
}

/** Band-limited fBm at frequency f (cycles per metre, anisotropic by su, sv) on a face (2D) or in a solid (3D); module-level so the hot path allocates nothing. */
function bandNoise(
  u: number,
  v: number,
  w: number,
  solid: boolean,
  footprint: number,
  f: number,
  seed: number,
  octaves: number,
  su = 1,
  sv = 1,
): number {
  return solid
    ? fbm3(u * f * su, v * f * sv, w * f, seed, octaves, footprint * f)
    : fbm2(u * f * su, v * f * sv, seed, octaves, footprint * f);
}

/**
 * Albedo of `tex` at surface point (u, v, w), written to `out`. `solid` selects 3D noise (spheres);
 * `footprint` is the size of one render sample in metres, used to band-limit the noise.
 */
export function sampleTexture(
  tex: TextureSpec,
  u: number,
  v: number,
  w: number,
  solid: boolean,
  footprint: number,
  out: Rgb,
): void {
  switch (tex.kind) {
    case 'fbm': {
      const n = bandNoise(u, v, w, solid, footprint, tex.scale, tex.seed, tex.octaves);
      const t = clamp01(0.5 + 1.4 * n);
      const [c0, c1, c2] = tex.colors;
      if (t < 0.5) mixInto(out, c0, c1, t * 2);
      else mixInto(out, c1, c2, t * 2 - 1);
      const tint = bandNoise(u, v, w, solid, footprint, tex.scale * 0.25, tex.seed + 7, 2);
      const grain = bandNoise(u, v, w, solid, footprint, 50, tex.seed + 11, 3);
      out[0] = clamp01(out[0] * (1 + 0.2 * tint) * (1 + 0.15 * grain));
      out[1] = clamp01(out[1] * (1 + 0.15 * grain));
      out[2] = clamp01(out[2] * (1 - 0.2 * tint) * (1 + 0.15 * grain));
      return;
    }
    case 'bricks': {
      const [bw, bh] = tex.size;
      const row = Math.floor(v / bh);
      const uu = u / bw + (row & 1 ? 0.5 : 0) + hash3(row, 0, 1, tex.seed) * 0.2;
      const col = Math.floor(uu);
      const fu = (uu - col) * bw;
      const fv = (v / bh - row) * bh;
      const m = tex.mortarWidth;
      const grain = bandNoise(u, v, w, solid, footprint, 60, tex.seed + 1, 4);
      const dirt = bandNoise(u, v, w, solid, footprint, 1.5, tex.seed + 2, 3);
      if (fu < m || fv < m) {
        out[0] = tex.mortar[0];
        out[1] = tex.mortar[1];
        out[2] = tex.mortar[2];
        scaleInto(out, (1 + 0.35 * grain) * (1 + 0.3 * dirt));
        return;
      }
      const k = 0.65 + 0.7 * hash3(col, row, 0, tex.seed);
      const hue = hash3(col, row, 2, tex.seed) - 0.5;
      out[0] = tex.brick[0] * (1 + 0.25 * hue);
      out[1] = tex.brick[1];
      out[2] = tex.brick[2] * (1 - 0.25 * hue);
      // Chipped, slightly darker brick borders.
      const edge = Math.min(fu - m, fv - m, bw - fu, bh - fv);
      const bevel = 0.85 + 0.15 * smooth(0, 0.01, edge);
      scaleInto(out, k * bevel * (1 + 0.3 * grain) * (1 + 0.25 * dirt));
      return;
    }
    case 'tiles': {
      const s = tex.size;
      const iu = Math.floor(u / s);
      const iv = Math.floor(v / s);
      const fu = u - iu * s;
      const fv = v - iv * s;
      const g = tex.groutWidth;
      const grain = bandNoise(u, v, w, solid, footprint, 30, tex.seed + 1, 5);
      if (fu < g || fv < g) {
        out[0] = tex.grout[0];
        out[1] = tex.grout[1];
        out[2] = tex.grout[2];
        scaleInto(out, 1 + 0.3 * grain);
        return;
      }
      const which = hash3(iu, iv, 0, tex.seed) < 0.5 ? 0 : 1;
      const c = tex.colors[which];
      const mottling = bandNoise(u, v, w, solid, footprint, 8, tex.seed + 3 + which, 5);
      out[0] = c[0];
      out[1] = c[1];
      out[2] = c[2];
      scaleInto(out, (0.85 + 0.3 * hash3(iu, iv, 1, tex.seed)) * (1 + 0.35 * mottling) * (1 + 0.12 * grain));
      return;
    }
    case 'checker': {
      const s = tex.size;
      let parity = Math.floor(u / s) + Math.floor(v / s);
      if (solid) parity += Math.floor(w / s);
      const c = tex.colors[parity & 1];
      const n = bandNoise(u, v, w, solid, footprint, 12, tex.seed, 6);
      out[0] = c[0];
      out[1] = c[1];
      out[2] = c[2];
      scaleInto(out, 1 + 0.45 * n);
      return;
    }
    case 'wood': {
      const pw = tex.plankWidth;
      const plank = Math.floor(v / pw);
      const fv = v - plank * pw;
      // Planks have staggered butt joints every ~1.2 m.
      const uu = u + hash3(plank, 0, 0, tex.seed) * 1.2;
      const board = Math.floor(uu / 1.2);
      const fu = uu - board * 1.2;
      const id = plank * 131 + board;
      const warp = bandNoise(u, v, w, solid, footprint, 2, tex.seed + id, 3, 0.3, 1);
      const rings = (fv + 0.35 + 0.3 * hash3(id, 1, 0, tex.seed)) * 28 + 3 * warp;
      const r = rings - Math.floor(rings);
      mixInto(out, tex.light, tex.dark, smooth(0.55, 0.95, r) * 0.7);
      const grain = bandNoise(u, v, w, solid, footprint, 40, tex.seed + 5, 4, 0.15, 1.5);
      const seam = Math.min(smooth(0, 0.004, fv), smooth(0, 0.004, pw - fv), smooth(0, 0.004, fu));
      scaleInto(out, (0.8 + 0.4 * hash3(id, 2, 0, tex.seed)) * (1 + 0.25 * grain) * (0.35 + 0.65 * seam));
      return;
    }
    case 'marble': {
      const f = tex.scale;
      const turb = bandNoise(u, v, w, solid, footprint, f, tex.seed, 6);
      const t = Math.abs(Math.sin((u + 0.6 * v) * f * 2.5 + 7 * turb));
      const vein = (1 - t) ** 6;
      mixInto(out, tex.base, tex.vein, vein);
      const mottle = bandNoise(u, v, w, solid, footprint, f * 4, tex.seed + 9, 5);
      // Fine crystalline grain so the pale areas between veins still carry texture.
      const grain = bandNoise(u, v, w, solid, footprint, 45, tex.seed + 10, 3);
      scaleInto(out, (1 + 0.25 * mottle) * (1 + 0.15 * grain));
      return;
    }
    case 'gradient': {
      mixInto(out, tex.from, tex.to, smooth(0, 1, u / tex.length));
      const n = bandNoise(u, v, w, solid, footprint, 10, tex.seed, 6);
      scaleInto(out, 1 + 0.4 * n);
      return;
    }
    case 'plain': {
      const n = bandNoise(u, v, w, solid, footprint, 0.7, tex.seed, 2);
      out[0] = tex.color[0];
      out[1] = tex.color[1];
      out[2] = tex.color[2];
      scaleInto(out, 1 + 0.02 * n);
      return;
    }
  }
}
