// Point-cloud splatting with a soft z-buffer (PyTorch3D/ViewCrafter style disks, weight 1 − d²/r²).
// Pass 1 (depth_pass): each point writes the nearest depth into the pixels of its disk core (w ≥ 0.5)
// with an atomic max on a reversed key. Pass 2 (accum_pass): points within a depth band of that
// nearest surface add weight, colour, confidence, −log(1−w) and depth in fixed point, so near surfaces
// win and same-surface points blend. resolve turns the sums into colour, depth, coverage
// α = 1 − Π(1 − w) and the observed confidence, writing level 0 of the push-pull pyramid.

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> points: array<vec4<f32>>;  // xyz, world spacing
@group(0) @binding(2) var<storage, read> colors: array<vec4<f32>>;  // rgb [0,1], confidence
@group(0) @binding(3) var<storage, read_write> accum: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> pyr: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> pyr_w: array<f32>;
@group(0) @binding(6) var<storage, read_write> obs: array<f32>;

struct Splat {
  u: f32,
  v: f32,
  z: f32,
  r: f32,
  spacing: f32,
  ok: bool,
}

fn project(i: u32) -> Splat {
  var s: Splat;
  s.ok = false;
  let p = points[i];
  let c = frame.cam_from_world * vec4<f32>(p.xyz, 1.0);
  if (!(c.z > frame.near)) {
    return s;
  }
  s.z = c.z;
  s.u = frame.fx * c.x / c.z + frame.cx;
  s.v = frame.fy * c.y / c.z + frame.cy;
  s.spacing = p.w;
  let f = 0.5 * (frame.fx + frame.fy);
  s.r = clamp(frame.radius_scale * p.w * f / c.z, frame.radius_min, f32(SYN_MAX_RADIUS));
  let w = f32(frame.width);
  let h = f32(frame.height);
  s.ok = s.u + s.r > 0.0 && s.u - s.r < w && s.v + s.r > 0.0 && s.v - s.r < h;
  return s;
}

// Pixel range [lo, hi] covered by a disk, clamped to the image.
fn pixel_range(centre: f32, r: f32, size: u32) -> vec2<i32> {
  let lo = max(i32(floor(centre - r)), 0);
  let hi = min(i32(ceil(centre + r)), i32(size) - 1);
  return vec2<i32>(lo, hi);
}

fn disk_weight(s: Splat, x: i32, y: i32) -> f32 {
  let dx = f32(x) + 0.5 - s.u;
  let dy = f32(y) + 0.5 - s.v;
  return 1.0 - (dx * dx + dy * dy) / (s.r * s.r);
}

@compute @workgroup_size(WG_SIZE)
fn depth_pass(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= frame.count) {
    return;
  }
  let s = project(i);
  if (!s.ok) {
    return;
  }
  // Positive f32 bit patterns order like the floats; reversing lets a cleared 0 mean "no surface".
  let key = 0xffffffffu - bitcast<u32>(s.z);
  let xr = pixel_range(s.u, s.r, frame.width);
  let yr = pixel_range(s.v, s.r, frame.height);
  for (var y = yr.x; y <= yr.y; y++) {
    for (var x = xr.x; x <= xr.y; x++) {
      if (disk_weight(s, x, y) >= 0.5) {
        atomicMax(&accum[(u32(y) * frame.width + u32(x)) * SYN_ACCUM_WORDS], key);
      }
    }
  }
}

@compute @workgroup_size(WG_SIZE)
fn accum_pass(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= frame.count) {
    return;
  }
  let s = project(i);
  if (!s.ok) {
    return;
  }
  let col = colors[i];
  let xr = pixel_range(s.u, s.r, frame.width);
  let yr = pixel_range(s.v, s.r, frame.height);
  let ws = f32(SYN_WEIGHT_SCALE);
  for (var y = yr.x; y <= yr.y; y++) {
    for (var x = xr.x; x <= xr.y; x++) {
      var w = disk_weight(s, x, y);
      if (w <= 0.0) {
        continue;
      }
      let base = (u32(y) * frame.width + u32(x)) * SYN_ACCUM_WORDS;
      let key = atomicLoad(&accum[base]);
      if (key != 0u) {
        let znear = bitcast<f32>(0xffffffffu - key);
        if (s.z > znear * (1.0 + frame.depth_tol) + frame.spacing_tol * s.spacing) {
          continue;
        }
      }
      w = min(w, 0.99);
      atomicAdd(&accum[base + 1u], u32(round(w * ws)));
      atomicAdd(&accum[base + 2u], u32(round(w * clamp(col.r, 0.0, 1.0) * ws)));
      atomicAdd(&accum[base + 3u], u32(round(w * clamp(col.g, 0.0, 1.0) * ws)));
      atomicAdd(&accum[base + 4u], u32(round(w * clamp(col.b, 0.0, 1.0) * ws)));
      atomicAdd(&accum[base + 5u], u32(round(w * clamp(col.a, 0.0, 1.0) * ws)));
      atomicAdd(&accum[base + 6u], u32(round(-log(1.0 - w) * f32(SYN_LOG_SCALE))));
      atomicAdd(&accum[base + 7u], u32(round(w * s.z * f32(SYN_DEPTH_SCALE))));
    }
  }
}

@compute @workgroup_size(WG_SIZE)
fn resolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= frame.width * frame.height) {
    return;
  }
  let base = i * SYN_ACCUM_WORDS;
  let wsum = f32(atomicLoad(&accum[base + 1u]));
  if (wsum <= 0.0) {
    pyr[i] = vec4<f32>(0.0);
    pyr_w[i] = 0.0;
    obs[i] = 0.0;
    return;
  }
  let rgb = vec3<f32>(f32(atomicLoad(&accum[base + 2u])), f32(atomicLoad(&accum[base + 3u])),
                      f32(atomicLoad(&accum[base + 4u]))) / wsum;
  let depth = f32(atomicLoad(&accum[base + 7u])) / f32(SYN_DEPTH_SCALE) * f32(SYN_WEIGHT_SCALE) / wsum;
  pyr[i] = vec4<f32>(rgb, depth);
  pyr_w[i] = 1.0 - exp(-f32(atomicLoad(&accum[base + 6u])) / f32(SYN_LOG_SCALE));
  obs[i] = f32(atomicLoad(&accum[base + 5u])) / wsum;
}
