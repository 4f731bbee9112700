// Per-pixel confidence of a synthesized frame and the packed output. A pixel is unreliable where the
// splats left a hole (coverage below alpha_thresh) or sits on a depth discontinuity; the distance to
// the nearest unreliable pixel (chamfer relaxation, one pass per pixel of falloff) scales the observed
// confidence down towards edges and holes. Filled pixels get filled_conf.

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> pyr: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> pyr_w: array<f32>;
@group(0) @binding(3) var<storage, read> fill: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dist_in: array<f32>;
@group(0) @binding(5) var<storage, read_write> dist_out: array<f32>;
@group(0) @binding(6) var<storage, read> obs: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<u32>;

const FAR_AWAY: f32 = 1e6;

fn pixel_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return linear_workgroup(wid, nwg) * WG_SIZE + lid;
}

@compute @workgroup_size(WG_SIZE)
fn edges(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let i = pixel_index(wid, nwg, lid);
  if (i >= frame.width * frame.height) {
    return;
  }
  let x = i32(i % frame.width);
  let y = i32(i / frame.width);
  var bad = pyr_w[i] < frame.alpha_thresh;
  let z = pyr[i].w;
  let offsets = array<vec2<i32>, 4>(vec2<i32>(1, 0), vec2<i32>(-1, 0), vec2<i32>(0, 1), vec2<i32>(0, -1));
  for (var k = 0u; k < 4u && !bad; k++) {
    let n = vec2<i32>(x, y) + offsets[k];
    if (n.x < 0 || n.y < 0 || n.x >= i32(frame.width) || n.y >= i32(frame.height)) {
      continue;
    }
    let j = u32(n.y) * frame.width + u32(n.x);
    if (pyr_w[j] >= frame.alpha_thresh) {
      let zn = pyr[j].w;
      bad = max(z, zn) > min(z, zn) * (1.0 + frame.edge_tol);
    }
  }
  dist_out[i] = select(FAR_AWAY, 0.0, bad);
}

@compute @workgroup_size(WG_SIZE)
fn relax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let i = pixel_index(wid, nwg, lid);
  if (i >= frame.width * frame.height) {
    return;
  }
  let x = i32(i % frame.width);
  let y = i32(i / frame.width);
  var d = dist_in[i];
  for (var dy = -1; dy <= 1; dy++) {
    for (var dx = -1; dx <= 1; dx++) {
      let nx = x + dx;
      let ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= i32(frame.width) || ny >= i32(frame.height)) {
        continue;
      }
      let step = select(1.0, 1.41421356, dx != 0 && dy != 0);
      d = min(d, dist_in[u32(ny) * frame.width + u32(nx)] + step);
    }
  }
  dist_out[i] = d;
}

@compute @workgroup_size(WG_SIZE)
fn compose(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let n = frame.width * frame.height;
  let i = pixel_index(wid, nwg, lid);
  if (i >= n) {
    return;
  }
  let c = fill[i];
  let rgb = vec3<u32>(round(clamp(c.rgb, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0));
  let cov = clamp(pyr_w[i], 0.0, 1.0);
  let falloff = clamp(dist_in[i] / max(frame.falloff_px, 1e-6), 0.0, 1.0);
  let conf = mix(frame.filled_conf, obs[i] * falloff, cov);
  out[frame.out_offset + i] = rgb.r | (rgb.g << 8u) | (rgb.b << 16u) | (255u << 24u);
  out[frame.out_offset + n + i] = bitcast<u32>(conf);
  out[frame.out_offset + 2u * n + i] = bitcast<u32>(c.w);
}
