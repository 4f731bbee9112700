/**
 * Scene layouts (layout frame: metres, y up, ground at y = 0, cameras on the +z side looking towards −z).
 * Three distinct presets, each varied by the seed (object placement, sizes, palettes, texture kinds).
 * Every layout has a textured ground, a back wall, boxes and spheres at different depths that occlude
 * one another, and exactly one texture-poor (near-uniform) surface.
 */
import type { Vec3 } from '../mat4';
import type { CameraRigOptions } from './cameras';
import { Rng } from './noise';
import type { Light, Primitive } from './scene';
import type { Rgb, TextureSpec } from './textures';

export type PresetName = 'tabletop' | 'room' | 'objects';
export const PRESETS: readonly PresetName[] = ['tabletop', 'room', 'objects'];

export interface Layout {
  primitives: Primitive[];
  light: Light;
  sky: { zenith: Rgb; horizon: Rgb };
  /** Where the preset's cameras stand (target, distance, elevation). */
  camera: CameraRigOptions;
}

/** '#rrggbb' (sRGB, as a designer picks it) → linear RGB albedo. */
export function hex(code: string): Rgb {
  const lin = (i: number) => {
    const c = Number.parseInt(code.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return [lin(0), lin(1), lin(2)];
}

const BRICK = ['#9c4a32', '#8a5a44', '#7d7a74', '#a8784a', '#6e3b2e'];
const STONE: [string, string, string][] = [
  ['#5b5046', '#9a8b78', '#d4c8b2'],
  ['#3f4a52', '#7d8a90', '#c3c9c6'],
  ['#4a3b2c', '#8c6f4e', '#c9ac80'],
  ['#2f4030', '#6f8a5c', '#b7c79a'],
];
const PAINT = ['#c0392b', '#2e6da4', '#e1b12c', '#3b8e5a', '#8e44ad', '#d35400', '#1f7a7a'];

function quad(
  name: string,
  origin: Vec3,
  uAxis: Vec3,
  vAxis: Vec3,
  texture: TextureSpec,
  poor = false,
): Primitive {
  return { name, shape: { kind: 'quad', origin, uAxis, vAxis }, texture, texturePoor: poor };
}

function box(
  name: string,
  center: Vec3,
  halfSize: Vec3,
  yaw: number,
  texture: TextureSpec,
  poor = false,
): Primitive {
  return { name, shape: { kind: 'box', center, halfSize, yaw }, texture, texturePoor: poor };
}

function sphere(name: string, center: Vec3, radius: number, texture: TextureSpec, poor = false): Primitive {
  return { name, shape: { kind: 'sphere', center, radius }, texture, texturePoor: poor };
}

/** A random textured material for an object: everything photo-like except `plain`. */
function objectTexture(rng: Rng, solid: boolean): TextureSpec {
  const seed = rng.seed();
  const kinds = solid
    ? ['fbm', 'checker', 'marble']
    : ['fbm', 'checker', 'marble', 'gradient', 'tiles', 'wood'];
  const paint = hex(rng.pick(PAINT));
  const other = hex(rng.pick(PAINT));
  switch (rng.pick(kinds)) {
    case 'checker':
      return { kind: 'checker', colors: [paint, hex('#e8e2d0')], size: rng.range(0.04, 0.08), seed };
    case 'marble':
      return { kind: 'marble', base: hex('#e6e0d6'), vein: paint, scale: rng.range(3, 6), seed };
    case 'gradient':
      return { kind: 'gradient', from: paint, to: other, length: rng.range(0.3, 0.6), seed };
    case 'tiles':
      return {
        kind: 'tiles',
        colors: [paint, other],
        grout: hex('#d8d4cc'),
        size: 0.06,
        groutWidth: 0.006,
        seed,
      };
    case 'wood':
      return { kind: 'wood', light: hex('#c49a6c'), dark: hex('#7a4f2a'), plankWidth: 0.12, seed };
    default:
      return {
        kind: 'fbm',
        colors: rng.pick(STONE).map(hex) as [Rgb, Rgb, Rgb],
        scale: rng.range(6, 12),
        octaves: 6,
        seed,
      };
  }
}

function groundTexture(rng: Rng, choices: string[]): TextureSpec {
  const seed = rng.seed();
  switch (rng.pick(choices)) {
    case 'wood':
      return {
        kind: 'wood',
        light: hex('#c8a27a'),
        dark: hex('#6b4426'),
        plankWidth: rng.range(0.12, 0.2),
        seed,
      };
    case 'tiles':
      return {
        kind: 'tiles',
        colors: [hex('#b9b2a6'), hex(rng.pick(['#6d7b86', '#8c5a3c', '#9aa58e']))],
        grout: hex('#4a4640'),
        size: rng.range(0.22, 0.32),
        groutWidth: 0.012,
        seed,
      };
    case 'checker':
      return { kind: 'checker', colors: [hex('#2d2a28'), hex('#cfc6b4')], size: rng.range(0.2, 0.3), seed };
    case 'marble':
      return { kind: 'marble', base: hex('#d9d3c7'), vein: hex('#55504a'), scale: 1.5, seed };
    default:
      return {
        kind: 'fbm',
        colors: rng.pick(STONE).map(hex) as [Rgb, Rgb, Rgb],
        scale: 1.5,
        octaves: 8,
        seed,
      };
  }
}

function bricks(rng: Rng): TextureSpec {
  return {
    kind: 'bricks',
    brick: hex(rng.pick(BRICK)),
    mortar: hex('#bdb6a8'),
    size: [0.21, 0.068],
    mortarWidth: 0.011,
    seed: rng.seed(),
  };
}

function sunlight(rng: Rng): Light {
  // Sun from the upper front, slightly to one side; warm sun, cool sky fill (as outdoors / by a window).
  const az = rng.range(-0.9, 0.9);
  const el = rng.range(0.7, 1.05);
  return {
    direction: [Math.sin(az) * Math.cos(el), Math.sin(el), Math.cos(az) * Math.cos(el)],
    sun: [1.3, 1.22, 1.08],
    skyAmbient: [0.32, 0.36, 0.42],
    groundAmbient: [0.14, 0.13, 0.12],
  };
}

const SKY = { zenith: hex('#5f8fc9'), horizon: hex('#c9d8e6') };

/** (x, z) slots on a jittered grid; taking them in shuffled order keeps objects apart. */
function slots(rng: Rng, xs: number[], zs: number[], jitter: number): [number, number][] {
  const all: [number, number][] = [];
  for (const z of zs)
    for (const x of xs) all.push([x + rng.range(-jitter, jitter), z + rng.range(-jitter, jitter)]);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

function tabletop(rng: Rng): Layout {
  const wallHeight = rng.range(1.2, 1.6);
  const prims: Primitive[] = [
    quad('ground', [-4, 0, 3.5], [8, 0, 0], [0, 0, -7], groundTexture(rng, ['wood', 'tiles', 'marble'])),
    quad('back wall', [-4, 0, -1.6], [8, 0, 0], [0, wallHeight, 0], bricks(rng)),
  ];
  const place = slots(rng, [-0.8, -0.25, 0.3, 0.85], [-1.0, -0.45, 0.1], 0.08);
  // Texture-poor box at the back so textured objects in front occlude it.
  const [px, pz] = place.find(([, z]) => z < -0.7) ?? place[0];
  prims.push(
    box(
      'plain box',
      [px, 0.22, pz],
      [0.26, 0.22, 0.2],
      rng.range(-0.4, 0.4),
      {
        kind: 'plain',
        color: hex(rng.pick(['#d9d4c8', '#c9b48f', '#b8c4cc'])),
        seed: rng.seed(),
      },
      true,
    ),
  );
  const rest = place.filter(([x, z]) => x !== px || z !== pz);
  for (let i = 0; i < 5; i++) {
    const [x, z] = rest[i];
    if (i < 3) {
      const h: Vec3 = [rng.range(0.1, 0.22), rng.range(0.08, 0.3), rng.range(0.1, 0.2)];
      prims.push(box(`box ${i}`, [x, h[1], z], h, rng.range(-0.8, 0.8), objectTexture(rng, false)));
    } else {
      const r = rng.range(0.1, 0.2);
      prims.push(sphere(`sphere ${i - 3}`, [x, r, z], r, objectTexture(rng, true)));
    }
  }
  return {
    primitives: prims,
    light: sunlight(rng),
    sky: SKY,
    camera: { target: [0, 0.2, -0.5], distance: rng.range(2.0, 2.3), elevationDeg: rng.range(18, 26) },
  };
}

function room(rng: Rng): Layout {
  const w = 2.5;
  const back = -2.5;
  const front = 4;
  const ceiling = 2.6;
  const plaster: TextureSpec = {
    kind: 'fbm',
    colors: rng.pick(STONE).map(hex) as [Rgb, Rgb, Rgb],
    scale: 2,
    octaves: 8,
    seed: rng.seed(),
  };
  const prims: Primitive[] = [
    quad('floor', [-w, 0, front], [2 * w, 0, 0], [0, 0, back - front], groundTexture(rng, ['wood', 'tiles'])),
    quad('back wall', [-w, 0, back], [2 * w, 0, 0], [0, ceiling, 0], bricks(rng)),
    quad('left wall', [-w, 0, front], [0, 0, back - front], [0, ceiling, 0], plaster),
    quad(
      'right wall',
      [w, 0, back],
      [0, 0, front - back],
      [0, ceiling, 0],
      { kind: 'plain', color: hex(rng.pick(['#e4e0d8', '#d6dde0', '#e6dccb'])), seed: rng.seed() },
      true,
    ),
  ];
  // A table in the middle with things on it, more things on the floor around it.
  const tx = rng.range(-0.4, 0.2);
  const tz = rng.range(-1.3, -0.9);
  const top: Vec3 = [rng.range(0.45, 0.6), 0.32, rng.range(0.3, 0.4)];
  prims.push(
    box('table', [tx, top[1], tz], top, rng.range(-0.25, 0.25), groundTexture(rng, ['wood', 'marble'])),
  );
  const r0 = rng.range(0.1, 0.15);
  prims.push(
    sphere('sphere on table', [tx + rng.range(-0.3, 0.3), 2 * top[1] + r0, tz], r0, objectTexture(rng, true)),
  );
  const hb: Vec3 = [0.12, rng.range(0.08, 0.14), 0.1];
  prims.push(
    box(
      'box on table',
      [tx - 0.3, 2 * top[1] + hb[1], tz + 0.1],
      hb,
      rng.range(-1, 1),
      objectTexture(rng, false),
    ),
  );
  const place = slots(rng, [-1.3, -0.6, 0.7, 1.4], [-2.1, -0.1, 0.5], 0.08);
  for (let i = 0; i < 3; i++) {
    const [x, z] = place[i];
    if (i === 1) {
      const r = rng.range(0.15, 0.25);
      prims.push(sphere('floor sphere', [x, r, z], r, objectTexture(rng, true)));
    } else {
      const h: Vec3 = [rng.range(0.12, 0.25), rng.range(0.12, 0.4), rng.range(0.12, 0.22)];
      prims.push(box(`floor box ${i}`, [x, h[1], z], h, rng.range(-0.8, 0.8), objectTexture(rng, false)));
    }
  }
  return {
    primitives: prims,
    light: sunlight(rng),
    sky: SKY,
    camera: { target: [0, 0.7, -1.0], distance: rng.range(2.8, 3.1), elevationDeg: rng.range(10, 16) },
  };
}

function objects(rng: Rng): Layout {
  const prims: Primitive[] = [
    quad('ground', [-4, 0, 3.5], [8, 0, 0], [0, 0, -7], groundTexture(rng, ['checker', 'fbm'])),
    quad('back panel', [-1.8, 0, -1.5], [3.6, 0, 0], [0, rng.range(1.0, 1.3), 0], {
      kind: 'marble',
      base: hex('#e2dccf'),
      vein: hex(rng.pick(['#3d3a36', '#5a2f2a', '#2a3d5a'])),
      scale: 1.2,
      seed: rng.seed(),
    }),
  ];
  // A dense cluster: rows close together in depth so most objects are partly hidden by others.
  const place = slots(rng, [-0.75, -0.25, 0.25, 0.75], [-0.95, -0.45, 0.05], 0.05);
  // The texture-poor surface: a flat, matte, near-uniform panel standing among the objects.
  const [px, pz] = place.find(([, z]) => z < -0.3) ?? place[0];
  const panel: Vec3 = [rng.range(0.2, 0.26), rng.range(0.22, 0.3), 0.05];
  prims.push(
    box(
      'plain panel',
      [px, panel[1], pz],
      panel,
      rng.range(-0.5, 0.5),
      {
        kind: 'plain',
        color: hex(rng.pick(['#c8c4bc', '#b9c6cf', '#d2c3a8'])),
        seed: rng.seed(),
      },
      true,
    ),
  );
  const rest = place.filter(([x, z]) => x !== px || z !== pz);
  for (let i = 0; i < 7; i++) {
    const [x, z] = rest[i];
    if (i % 2 === 0) {
      const h: Vec3 = [rng.range(0.08, 0.14), rng.range(0.08, 0.32), rng.range(0.08, 0.14)];
      prims.push(box(`box ${i >> 1}`, [x, h[1], z], h, rng.range(-1, 1), objectTexture(rng, false)));
    } else {
      const r = rng.range(0.09, 0.18);
      prims.push(sphere(`sphere ${i >> 1}`, [x, r, z], r, objectTexture(rng, true)));
    }
  }
  return {
    primitives: prims,
    light: sunlight(rng),
    sky: SKY,
    camera: { target: [0, 0.2, -0.4], distance: rng.range(2.1, 2.4), elevationDeg: rng.range(22, 30) },
  };
}

/** The layout of a preset for a seed (deterministic). */
export function buildLayout(preset: PresetName, seed: number): Layout {
  const rng = new Rng(seed * 104729 + PRESETS.indexOf(preset) + 1);
  if (preset === 'tabletop') return tabletop(rng);
  if (preset === 'room') return room(rng);
  if (preset === 'objects') return objects(rng);
  throw new Error(`unknown synthetic preset '${preset}'`);
}
