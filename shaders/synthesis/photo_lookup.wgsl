// Sharper colours for the observed pixels of a synthesized frame. The splatted colour is a mean over the
// points of a pixel footprint, so fine texture comes out blurred. Here each pixel that sees a surface takes
// its 3D point (the frame's depth) and looks it up bilinearly in every photo whose own depth agrees there
// (a photo that sees something nearer is occluded and skipped), weighted by the inverse squared distance
// between the cameras so that the nearest photo dominates. Pixels no photo confirms keep the splat colour.
// A confirmed pixel also has its observed confidence scaled by frame.confirmed_weight: a photo already
// constrains that surface, and there the frame only adds the stereo's error, so it should weigh mostly
// where no photo sees.

struct Photo {
  cam_from_world: mat4x4<f32>,
  k: vec4<f32>,  // fx, fy, cx, cy
  size: vec4<u32>,  // width, height, first pixel in the packed buffers, unused
  centre: vec4<f32>,  // camera centre (world), unused
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(4) var<storage, read_write> pyr: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> pyr_w: array<f32>;
@group(0) @binding(6) var<storage, read_write> obs: array<f32>;
@group(0) @binding(8) var<storage, read> photos: array<Photo>;
@group(0) @binding(9) var<storage, read> photo_rgba: array<u32>;
@group(0) @binding(10) var<storage, read> photo_depth_conf: array<vec2<f32>>;

fn photo_rgb(ph: Photo, x: u32, y: u32) -> vec3<f32> {
  return unpack4x8unorm(photo_rgba[ph.size.z + y * ph.size.x + x]).rgb;
}

// Bilinear colour at continuous pixel coordinates (pixel centres at +0.5), inside [0.5, size − 0.5].
fn photo_bilinear(ph: Photo, u: f32, v: f32) -> vec3<f32> {
  let fx = u - 0.5;
  let fy = v - 0.5;
  let x0 = u32(fx);
  let y0 = u32(fy);
  let x1 = min(x0 + 1u, ph.size.x - 1u);
  let y1 = min(y0 + 1u, ph.size.y - 1u);
  let ax = fx - f32(x0);
  let ay = fy - f32(y0);
  let top = mix(photo_rgb(ph, x0, y0), photo_rgb(ph, x1, y0), ax);
  let bottom = mix(photo_rgb(ph, x0, y1), photo_rgb(ph, x1, y1), ax);
  return mix(top, bottom, ay);
}

@compute @workgroup_size(WG_SIZE)
fn photo_lookup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= frame.width * frame.height || pyr_w[i] <= 0.0) {
    return;
  }
  let z = pyr[i].w;
  if (!(z > frame.near)) {
    return;
  }
  let x = f32(i % frame.width) + 0.5;
  let y = f32(i / frame.width) + 0.5;
  let in_cam = vec3<f32>((x - frame.cx) / frame.fx * z, (y - frame.cy) / frame.fy * z, z);
  // cam_from_world is rigid [R | t]: world = Rᵀ (p − t), and the camera centre is −Rᵀ t.
  let r = mat3x3<f32>(frame.cam_from_world[0].xyz, frame.cam_from_world[1].xyz, frame.cam_from_world[2].xyz);
  let t = frame.cam_from_world[3].xyz;
  let world = transpose(r) * (in_cam - t);
  let centre = -(transpose(r) * t);
  var sum = vec3<f32>(0.0);
  var weight = 0.0;
  for (var p = 0u; p < frame.photo_count; p++) {
    let ph = photos[p];
    let c = ph.cam_from_world * vec4<f32>(world, 1.0);
    if (!(c.z > frame.near)) {
      continue;
    }
    let u = ph.k.x * c.x / c.z + ph.k.z;
    let v = ph.k.y * c.y / c.z + ph.k.w;
    if (!(u >= 0.5 && v >= 0.5 && u <= f32(ph.size.x) - 0.5 && v <= f32(ph.size.y) - 0.5)) {
      continue;
    }
    let dc = photo_depth_conf[ph.size.z + u32(v) * ph.size.x + u32(u)];
    if (dc.y < frame.lookup_min_conf || abs(dc.x - c.z) > frame.lookup_tol * c.z) {
      continue;
    }
    let d = ph.centre.xyz - centre;
    let w = 1.0 / (dot(d, d) + 1e-8);
    sum += w * photo_bilinear(ph, u, v);
    weight += w;
  }
  if (weight > 0.0) {
    pyr[i] = vec4<f32>(sum / weight, z);
    obs[i] *= frame.confirmed_weight;
  }
}
