// SIFT-like descriptor, RootSIFT-normalised (features/extractor.ts), in three kernels, none with shared
// memory (Dawn's zero-initialisation of workgroup memory and barriers dominate on SwiftShader):
//   sample:    one thread a (keypoint, grid sample). The descriptor window is sampled on a regular grid
//              in the keypoint frame, 4 samples a cell edge (cell edge 3σ, rotated by the keypoint angle),
//              GRID × GRID samples covering the 4×4 cells plus the half-cell rim that still reaches the
//              outer cells. Each sample stores its Gaussian-weighted gradient magnitude (window σ = 2
//              cells) and its orientation relative to the keypoint, in 1/8ths of a turn.
//   describe:  one thread a (keypoint, cell): sums the 8×8 samples its bilinear weights reach into its
//              own 8 orientation bins (trilinear weights): no two threads write the same bin.
//   normalise: one thread a keypoint: L2, clamp at 0.2 (Lowe), then L1 and square root (RootSIFT), so
//              descriptors are unit vectors matched by L2 distance.

struct OctaveParams {
  octaves: array<vec4<u32>, FEAT_MAX_OCTAVES>,
  sigma0: f32,
  max_features: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: OctaveParams;
@group(0) @binding(1) var<storage, read> pyr: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> feats: array<Feature>;
@group(0) @binding(4) var<storage, read_write> desc: array<f32>;
@group(0) @binding(5) var<storage, read_write> samples: array<vec2<f32>>;

const CELLS: u32 = 16u;
const ORI: u32 = 8u;
// Samples along each axis: 4 cells plus half a cell each side.
const GRID: u32 = FEAT_DESC_GRID;
const SAMPLES_PER_CELL: u32 = GRID / 5u;
const GRID_SAMPLES: u32 = GRID * GRID;
const CLAMP: f32 = 0.2;

struct Image {
  offset: u32,
  w: i32,
  h: i32,
}

fn bilinear(im: Image, x: f32, y: f32) -> f32 {
  let xc = clamp(x, 0.0, f32(im.w - 1));
  let yc = clamp(y, 0.0, f32(im.h - 1));
  let x0 = min(i32(floor(xc)), im.w - 2);
  let y0 = min(i32(floor(yc)), im.h - 2);
  let fx = xc - f32(x0);
  let fy = yc - f32(y0);
  let i = im.offset + u32(y0 * im.w + x0);
  let top = mix(pyr[i], pyr[i + 1u], fx);
  let bottom = mix(pyr[i + u32(im.w)], pyr[i + u32(im.w) + 1u], fx);
  return mix(top, bottom, fy);
}

fn feature_count() -> u32 {
  return atomicLoad(&counters[FEAT_CTR_TOTAL]);
}

// Position of grid sample g along an axis, in cells from the keypoint: −2.5 + (g + 0.5) / SAMPLES_PER_CELL.
fn grid_pos(g: u32) -> f32 {
  return -2.5 + (f32(g) + 0.5) / f32(SAMPLES_PER_CELL);
}

@compute @workgroup_size(WG_SIZE)
fn sample(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let k = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  let index = k / GRID_SAMPLES;
  if (index >= feature_count()) { return; }
  let g = k % GRID_SAMPLES;
  let f = feats[index];
  let oct = params.octaves[f.octave];
  let l = u32(clamp(round(f.level), 0.0, f32(FEAT_SCALES + 2u)));
  let im = Image(oct.z + l * oct.x * oct.y, i32(oct.x), i32(oct.y));
  let width = 3.0 * params.sigma0 * exp2(f.level / f32(FEAT_SCALES)); // cell edge, octave pixels
  let u = grid_pos(g % GRID);
  let v = grid_pos(g / GRID);
  let cs = cos(f.angle);
  let sn = sin(f.angle);
  let x = f.x + width * (u * cs - v * sn);
  let y = f.y + width * (u * sn + v * cs);
  let gx = bilinear(im, x + 1.0, y) - bilinear(im, x - 1.0, y);
  let gy = bilinear(im, x, y + 1.0) - bilinear(im, x, y - 1.0);
  let m = sqrt(gx * gx + gy * gy) * exp(-(u * u + v * v) / 8.0);
  var t = (atan2(gy, gx) - f.angle) / TWO_PI * f32(ORI);
  t = t - f32(ORI) * floor(t / f32(ORI));
  samples[k] = vec2<f32>(m, t);
}

@compute @workgroup_size(FEAT_DESC_KP_PER_WG * CELLS)
fn describe(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x / CELLS;
  let cell = gid.x % CELLS;
  if (index >= feature_count()) { return; }
  let ci = cell % 4u;
  let cj = cell / 4u;
  let uc = f32(ci) - 1.5;
  let vc = f32(cj) - 1.5;
  var h: array<f32, ORI>;
  // Grid samples within one cell of this cell's centre: indices 4·ci .. 4·ci + 7 along each axis.
  for (var j = 0u; j < 2u * SAMPLES_PER_CELL; j++) {
    let gy = cj * SAMPLES_PER_CELL + j;
    let wv = 1.0 - abs(grid_pos(gy) - vc);
    for (var i = 0u; i < 2u * SAMPLES_PER_CELL; i++) {
      let gx = ci * SAMPLES_PER_CELL + i;
      let s = samples[index * GRID_SAMPLES + gy * GRID + gx];
      let m = s.x * wv * (1.0 - abs(grid_pos(gx) - uc));
      let b0 = u32(floor(s.y)) % ORI;
      let frac = s.y - floor(s.y);
      h[b0] += (1.0 - frac) * m;
      h[(b0 + 1u) % ORI] += frac * m;
    }
  }
  let out = index * FEAT_DESC_DIM + cell * ORI;
  for (var b = 0u; b < ORI; b++) { desc[out + b] = h[b]; }
}

@compute @workgroup_size(WG_SIZE)
fn normalise(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x;
  if (index >= feature_count()) { return; }
  let base = index * FEAT_DESC_DIM;
  var n2 = 0.0;
  for (var k = 0u; k < FEAT_DESC_DIM; k++) { n2 += desc[base + k] * desc[base + k]; }
  let inv = 1.0 / max(sqrt(n2), 1e-20);
  var n1 = 0.0;
  for (var k = 0u; k < FEAT_DESC_DIM; k++) {
    let c = min(desc[base + k] * inv, CLAMP);
    desc[base + k] = c;
    n1 += c;
  }
  let inv1 = 1.0 / max(n1, 1e-20);
  for (var k = 0u; k < FEAT_DESC_DIM; k++) { desc[base + k] = sqrt(desc[base + k] * inv1); }
}
