/**
 * Seeded hashing, a small PRNG and value noise / fBm for the synthetic scenes. Pure arithmetic
 * (Math.imul, floor, no Math.random) so the same seed gives the same bytes in Node and the browser.
 */

/** Murmur3's 32-bit finaliser: full avalanche of an integer. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hash of up to three integer lattice coordinates and a seed → [0, 1): the odd-constant products are
 * combined and then fully avalanched once (plenty for value noise, 4× cheaper than chaining).
 */
export function hash3(x: number, y: number, z: number, seed: number): number {
  const h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x61c88647);
  return fmix32(h ^ Math.imul(seed | 0, 0x9e3779b1)) / 4294967296;
}

/** Deterministic PRNG (mulberry32) for scene layout choices. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = fmix32((seed | 0) ^ 0x2545f491);
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** A fresh 31-bit seed for a sub-generator (texture noise etc.). */
  seed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }
}

/** Quintic fade: C2-continuous interpolation so shading of the noise shows no lattice creases. */
const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10);

/** 2D value noise in [-1, 1]. */
export function valueNoise2(x: number, y: number, seed: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const u = fade(x - xi);
  const v = fade(y - yi);
  const a = hash3(xi, yi, 0, seed);
  const b = hash3(xi + 1, yi, 0, seed);
  const c = hash3(xi, yi + 1, 0, seed);
  const d = hash3(xi + 1, yi + 1, 0, seed);
  const top = a + (b - a) * u;
  const bottom = c + (d - c) * u;
  return 2 * (top + (bottom - top) * v) - 1;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/** 3D value noise in [-1, 1] (solid textures for spheres: no seams, no pole pinching). */
export function valueNoise3(x: number, y: number, z: number, seed: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const zi = Math.floor(z);
  const u = fade(x - xi);
  const v = fade(y - yi);
  const w = fade(z - zi);
  const c000 = hash3(xi, yi, zi, seed);
  const c100 = hash3(xi + 1, yi, zi, seed);
  const c010 = hash3(xi, yi + 1, zi, seed);
  const c110 = hash3(xi + 1, yi + 1, zi, seed);
  const c001 = hash3(xi, yi, zi + 1, seed);
  const c101 = hash3(xi + 1, yi, zi + 1, seed);
  const c011 = hash3(xi, yi + 1, zi + 1, seed);
  const c111 = hash3(xi + 1, yi + 1, zi + 1, seed);
  const z0 = lerp(lerp(c000, c100, u), lerp(c010, c110, u), v);
  const z1 = lerp(lerp(c001, c101, u), lerp(c011, c111, u), v);
  return 2 * lerp(z0, z1, w) - 1;
}

// Each octave is rotated (≈ 37°) and scaled by a non-integer lacunarity so the value-noise lattice never
// lines up between octaves: fewer axis-aligned artefacts, more photo-like.
const ROT_C = Math.cos(0.65);
const ROT_S = Math.sin(0.65);
const LACUNARITY = 2.03;

/**
 * Octave weight for a band-limited fBm: octaves whose period falls below ~2 samples of the pixel
 * footprint fade out, a pre-filter like a camera's optics, so supersampling does not alias.
 */
function octaveWeight(freq: number, footprint: number): number {
  const r = freq * footprint;
  return r <= 0.25 ? 1 : r >= 0.5 ? 0 : (0.5 - r) * 4;
}

/**
 * Fractional Brownian motion of 2D value noise, roughly in [-1, 1] (std ≈ 0.3). `footprint` is the
 * size of one render sample in the same units as (x, y); 0 keeps every octave.
 */
export function fbm2(x: number, y: number, seed: number, octaves: number, footprint = 0): number {
  let sum = 0;
  let norm = 0;
  let amp = 1;
  let freq = 1;
  for (let i = 0; i < octaves; i++) {
    const w = octaveWeight(freq, footprint);
    if (w > 0) sum += w * amp * valueNoise2(x, y, seed + i * 1013);
    norm += amp;
    const nx = (ROT_C * x - ROT_S * y) * LACUNARITY;
    y = (ROT_S * x + ROT_C * y) * LACUNARITY;
    x = nx + 17.31;
    amp *= 0.5;
    freq *= LACUNARITY;
  }
  return sum / norm;
}

/** fBm of 3D value noise (see fbm2). */
export function fbm3(x: number, y: number, z: number, seed: number, octaves: number, footprint = 0): number {
  let sum = 0;
  let norm = 0;
  let amp = 1;
  let freq = 1;
  for (let i = 0; i < octaves; i++) {
    const w = octaveWeight(freq, footprint);
    if (w > 0) sum += w * amp * valueNoise3(x, y, z, seed + i * 1013);
    norm += amp;
    const nx = (ROT_C * x - ROT_S * z) * LACUNARITY;
    z = (ROT_S * x + ROT_C * z) * LACUNARITY;
    x = nx + 17.31;
    y = y * LACUNARITY + 5.17;
    amp *= 0.5;
    freq *= LACUNARITY;
  }
  return sum / norm;
}
