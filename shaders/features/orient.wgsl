// Dominant orientations (SIFT), one thread a selected keypoint (indirect dispatch over the selected
// count). Gradients of the Gaussian image nearest the keypoint's scale, inside a disc of radius 3·1.5σ,
// weighted by a Gaussian of 1.5σ, vote into FEAT_ORI_BINS bins (linear between the two nearest); the
// histogram is smoothed [1 4 6 4 1]/16 and each peak refined by a parabola. The strongest peak orients
// the keypoint in place; other peaks ≥ 0.8× the strongest become extra keypoints appended after the
// selected ones while there is room. One thread a keypoint keeps the histogram in registers: no shared
// memory or barriers (both costly on SwiftShader), and a keypoint's window is only ~1000 pixels.

struct OctaveParams {
  octaves: array<vec4<u32>, FEAT_MAX_OCTAVES>, // (width, height, offset of Gaussian level 0, 0)
  sigma0: f32,
  max_features: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: OctaveParams;
@group(0) @binding(1) var<storage, read> pyr: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> kps: array<Candidate>;
@group(0) @binding(4) var<storage, read_write> feats: array<Feature>;

const PEAK_RATIO: f32 = 0.8;

fn wrap(b: i32) -> u32 {
  let n = i32(FEAT_ORI_BINS);
  return u32(((b % n) + n) % n);
}

// Parabolic peak position of bin b (neighbours l, c, r), as an angle in [0, 2π).
fn peak_angle(b: i32, l: f32, c: f32, r: f32) -> f32 {
  let denom = l - 2.0 * c + r;
  var off = 0.0;
  if (abs(denom) > 1e-20) { off = clamp(0.5 * (l - r) / denom, -0.5, 0.5); }
  var a = (f32(b) + off) / f32(FEAT_ORI_BINS) * TWO_PI;
  a = a - TWO_PI * floor(a / TWO_PI);
  return select(a, 0.0, a >= TWO_PI);
}

fn feature_of(kp: Candidate, angle: f32) -> Feature {
  var f: Feature;
  f.x = kp.x;
  f.y = kp.y;
  f.level = kp.level;
  f.angle = angle;
  f.octave = kp.octave;
  f.response = kp.response;
  return f;
}

@compute @workgroup_size(FEAT_ORI_WG)
fn orient(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x;
  let selected = atomicLoad(&counters[FEAT_CTR_SELECTED]);
  if (index >= selected) { return; }
  let kp = kps[index];
  let oct = params.octaves[kp.octave];
  let w = i32(oct.x);
  let h = i32(oct.y);
  let l = u32(clamp(round(kp.level), 0.0, f32(FEAT_SCALES + 2u)));
  let img = oct.z + l * oct.x * oct.y;
  let sw = 1.5 * params.sigma0 * exp2(kp.level / f32(FEAT_SCALES));
  let radius = i32(round(3.0 * sw));
  let cx = i32(round(kp.x));
  let cy = i32(round(kp.y));
  let inv2s2 = 1.0 / (2.0 * sw * sw);

  var hist: array<f32, FEAT_ORI_BINS>;
  for (var y = max(cy - radius, 1); y <= min(cy + radius, h - 2); y++) {
    let dy = y - cy;
    let row = img + u32(y * w);
    for (var x = max(cx - radius, 1); x <= min(cx + radius, w - 2); x++) {
      let dx = x - cx;
      if (dx * dx + dy * dy > radius * radius) { continue; }
      let gx = pyr[row + u32(x + 1)] - pyr[row + u32(x - 1)];
      let gy = pyr[row + u32(x + w)] - pyr[row + u32(x - w)];
      let m = sqrt(gx * gx + gy * gy) * exp(-f32(dx * dx + dy * dy) * inv2s2);
      var t = atan2(gy, gx) / TWO_PI * f32(FEAT_ORI_BINS);
      t = select(t, t + f32(FEAT_ORI_BINS), t < 0.0);
      let b0 = u32(floor(t)) % FEAT_ORI_BINS;
      let frac = t - floor(t);
      hist[b0] += (1.0 - frac) * m;
      hist[(b0 + 1u) % FEAT_ORI_BINS] += frac * m;
    }
  }
  var smoothed: array<f32, FEAT_ORI_BINS>;
  var best = 0;
  for (var b = 0; b < i32(FEAT_ORI_BINS); b++) {
    smoothed[b] = (hist[wrap(b - 2)] + hist[wrap(b + 2)] + 4.0 * (hist[wrap(b - 1)] + hist[wrap(b + 1)]) +
      6.0 * hist[b]) / 16.0;
    if (smoothed[b] > smoothed[best]) { best = b; }
  }
  let top = smoothed[best];
  feats[index] = feature_of(kp, peak_angle(best, smoothed[wrap(best - 1)], top, smoothed[wrap(best + 1)]));
  if (top <= 0.0) { return; }
  for (var b = 0; b < i32(FEAT_ORI_BINS); b++) {
    let c = smoothed[b];
    let left = smoothed[wrap(b - 1)];
    let right = smoothed[wrap(b + 1)];
    if (b == best || c < PEAK_RATIO * top || c <= left || c <= right) { continue; }
    let slot = selected + atomicAdd(&counters[FEAT_CTR_EXTRA], 1u);
    if (slot < params.max_features) { feats[slot] = feature_of(kp, peak_angle(b, left, c, right)); }
  }
}
