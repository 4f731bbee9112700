// Gaussian scale space for DoG features, all images in one f32 buffer (features/pyramid.ts lays it out):
//   gray:      RGBA8 → luminance in [0, 1]; with `upsample` the 2× enlarged image (2w − 1 samples at
//              input index steps of ½, bilinear, so even samples are the input pixels exactly)
//   blur_h/v:  separable Gaussian with clamp-to-edge borders, image → tmp → image, 4 outputs a thread
//   subsample: every second pixel of a level (the next octave's level 0 keeps index correspondence:
//              pixel i of octave o+1 samples pixel 2i of octave o)
// FEAT_TILE × FEAT_TILE workgroups; one thread a pixel, or BLUR_RUN pixels for the blurs.

// Banded weight table: band[k + radius] = (w(k), w(k − 1), w(k − 2), w(k − 3)), the weights of sample
// offset k for the BLUR_RUN outputs of a thread (one vec4 load a sample; no dynamic component index,
// which SwiftShader makes very slow).
const BLUR_RUN: u32 = FEAT_BLUR_RUN; // must be 4: the accumulator is a vec4
const BAND: u32 = 2u * FEAT_MAX_BLUR_RADIUS + BLUR_RUN;

struct PyramidParams {
  src_w: u32,
  src_h: u32,
  dst_w: u32,
  dst_h: u32,
  src: u32, // element offset of the source image
  dst: u32, // element offset of the destination image
  radius: u32,
  upsample: u32, // gray: src_w × src_h is the input, dst the (possibly enlarged) first octave
  band: array<vec4<f32>, BAND>,
}

@group(0) @binding(0) var<uniform> params: PyramidParams;
@group(0) @binding(1) var<storage, read_write> pyr: array<f32>;
@group(0) @binding(2) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(3) var<storage, read> rgba: array<u32>;

fn luma(x: u32, y: u32) -> f32 {
  let c = unpack4x8unorm(rgba[min(y, params.src_h - 1u) * params.src_w + min(x, params.src_w - 1u)]);
  return dot(c.rgb, vec3<f32>(0.299, 0.587, 0.114));
}

@compute @workgroup_size(FEAT_TILE, FEAT_TILE)
fn gray(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.dst_w || gid.y >= params.dst_h) { return; }
  var v: f32;
  if (params.upsample == 0u) {
    v = luma(gid.x, gid.y);
  } else {
    let x = gid.x / 2u;
    let y = gid.y / 2u;
    let fx = f32(gid.x % 2u) * 0.5;
    let fy = f32(gid.y % 2u) * 0.5;
    let top = mix(luma(x, y), luma(x + 1u, y), fx);
    let bottom = mix(luma(x, y + 1u), luma(x + 1u, y + 1u), fx);
    v = mix(top, bottom, fy);
  }
  pyr[params.dst + gid.y * params.dst_w + gid.x] = v;
}

// Both passes produce BLUR_RUN consecutive outputs a thread along the blur direction from one sliding
// read of 2·radius + BLUR_RUN samples: ~4× fewer loads than one output a thread (loads, with their
// bounds checks, dominate on SwiftShader). Borders clamp to the edge.
@compute @workgroup_size(FEAT_TILE, FEAT_TILE)
fn blur_h(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = i32(params.dst_w);
  let x0 = i32(gid.x * BLUR_RUN);
  if (x0 >= w || gid.y >= params.dst_h) { return; }
  let row = params.src + gid.y * params.dst_w;
  let r = i32(params.radius);
  var acc = vec4<f32>(0.0);
  for (var k = -r; k <= r + i32(BLUR_RUN) - 1; k++) {
    let v = pyr[row + u32(clamp(x0 + k, 0, w - 1))];
    acc += v * params.band[k + r];
  }
  let out = gid.y * params.dst_w;
  for (var j = 0; j < i32(BLUR_RUN) && x0 + j < w; j++) { tmp[out + u32(x0 + j)] = acc[j]; }
}

@compute @workgroup_size(FEAT_TILE, FEAT_TILE)
fn blur_v(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = params.dst_w;
  let h = i32(params.dst_h);
  let y0 = i32(gid.y * BLUR_RUN);
  if (gid.x >= w || y0 >= h) { return; }
  let r = i32(params.radius);
  var acc = vec4<f32>(0.0);
  for (var k = -r; k <= r + i32(BLUR_RUN) - 1; k++) {
    let v = tmp[u32(clamp(y0 + k, 0, h - 1)) * w + gid.x];
    acc += v * params.band[k + r];
  }
  for (var j = 0; j < i32(BLUR_RUN) && y0 + j < h; j++) { pyr[params.dst + u32(y0 + j) * w + gid.x] = acc[j]; }
}

@compute @workgroup_size(FEAT_TILE, FEAT_TILE)
fn subsample(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.dst_w || gid.y >= params.dst_h) { return; }
  let s = params.src + 2u * gid.y * params.src_w + 2u * gid.x;
  pyr[params.dst + gid.y * params.dst_w + gid.x] = pyr[s];
}
