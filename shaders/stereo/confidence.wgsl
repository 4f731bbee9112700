// Left-right check and confidence for one reference view, given its own winner-take-all result and the
// one of its source view matched back against it. A reference pixel at depth z goes to the source view
// (outside the source image or behind it → confidence 0); the source's own depth at the nearest pixel
// then brings the same source position back into the reference, and the distance to where it started
// is the reprojection error e. Confidence = consistency · match quality · distinctiveness · texture:
//   (1 − (e/lr_tol)²)₊ · smoothstep(zncc_lo, zncc_hi, ZNCC) · min(margin / margin_full, 1)
//     · smoothstep(tex_lo, tex_hi, σ of the reference window).
// The source depth at the landing point is interpolated bilinearly in inverse depth when its four
// neighbours agree (a surface), else taken from the nearest pixel (a depth edge). With several source
// views the check runs once per source and each pixel keeps its most confident result.
struct Check {
  k_ref: vec4<f32>,
  k_src: vec4<f32>,
  // source_from_ref, ref_from_source, world_from_ref: rows [R | t].
  s0: vec4<f32>,
  s1: vec4<f32>,
  s2: vec4<f32>,
  r0: vec4<f32>,
  r1: vec4<f32>,
  r2: vec4<f32>,
  w0: vec4<f32>,
  w1: vec4<f32>,
  w2: vec4<f32>,
  width: u32,
  height: u32,
  src_width: u32,
  src_height: u32,
  lr_tol: f32,
  zncc_lo: f32,
  zncc_hi: f32,
  margin_full: f32,
  tex_lo: f32,
  tex_hi: f32,
  // 0: write every pixel (first source); 1: keep what is there unless this source is more confident.
  merge: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<storage, read> ref_result: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> src_result: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> depth: array<f32>;
@group(0) @binding(3) var<storage, read_write> confidence: array<f32>;
// World points as f32 bit patterns (written as u32 so that NaN, 'unknown', is never a float constant).
@group(0) @binding(4) var<storage, read_write> points: array<u32>;
// Diagnostics, two vec4 per pixel: (reprojection error or −1, consistency, ZNCC, margin terms) and
// (raw depth, texture term, margin, σ) of the winner before any confidence is applied.
@group(0) @binding(5) var<storage, read_write> terms: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> chk: Check;

const NAN_BITS: u32 = 0x7fc00000u;

fn apply(r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, p: vec3<f32>) -> vec3<f32> {
  return vec3<f32>(dot(r0.xyz, p) + r0.w, dot(r1.xyz, p) + r1.w, dot(r2.xyz, p) + r2.w);
}

fn unproject(k: vec4<f32>, uv: vec2<f32>, z: f32) -> vec3<f32> {
  return vec3<f32>((uv.x - k.z) / k.x * z, (uv.y - k.w) / k.y * z, z);
}

fn project(k: vec4<f32>, p: vec3<f32>) -> vec2<f32> {
  return vec2<f32>(k.x * p.x / p.z + k.z, k.y * p.y / p.z + k.w);
}

// Inverse depth of the source's winner map at a continuous position (0 where unknown).
fn source_rho(uv: vec2<f32>) -> f32 {
  let w = chk.src_width;
  let nearest = src_result[u32(uv.y) * w + u32(uv.x)].x;
  let q = clamp(uv - vec2<f32>(0.5), vec2<f32>(0.0), vec2<f32>(f32(w - 1u), f32(chk.src_height - 1u)));
  let i0 = vec2<u32>(floor(q));
  let i1 = min(i0 + vec2<u32>(1u), vec2<u32>(w - 1u, chk.src_height - 1u));
  let a = src_result[i0.y * w + i0.x].x;
  let b = src_result[i0.y * w + i1.x].x;
  let c = src_result[i1.y * w + i0.x].x;
  let d = src_result[i1.y * w + i1.x].x;
  let lo = min(min(a, b), min(c, d));
  let hi = max(max(a, b), max(c, d));
  if (lo <= 0.0 || hi > 1.05 * lo) {
    return nearest;
  }
  let f = q - floor(q);
  return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

@compute @workgroup_size(WG_SIZE)
fn check(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= chk.width * chk.height) {
    return;
  }
  let r = ref_result[i];
  let uv = vec2<f32>(f32(i % chk.width) + 0.5, f32(i / chk.width) + 0.5);
  var conf = 0.0;
  var t = vec4<f32>(-1.0, 0.0, 0.0, 0.0);
  var z = 0.0;
  if (r.x > 0.0 && r.z >= 0.0) {
    z = 1.0 / r.x;
    let p_ref = unproject(chk.k_ref, uv, z);
    let p_src = apply(chk.s0, chk.s1, chk.s2, p_ref);
    if (p_src.z > 0.0) {
      let uv_src = project(chk.k_src, p_src);
      if (uv_src.x >= 0.0 && uv_src.y >= 0.0 && uv_src.x < f32(chk.src_width) &&
          uv_src.y < f32(chk.src_height)) {
        let rho_src = source_rho(uv_src);
        var e = 1e9;
        if (rho_src > 0.0) {
          let back = apply(chk.r0, chk.r1, chk.r2, unproject(chk.k_src, uv_src, 1.0 / rho_src));
          if (back.z > 0.0) {
            e = distance(project(chk.k_ref, back), uv);
          }
        }
        let q = e / chk.lr_tol;
        let c_lr = max(1.0 - q * q, 0.0);
        let c_zncc = smoothstep(chk.zncc_lo, chk.zncc_hi, r.y);
        let c_margin = clamp(r.z / chk.margin_full, 0.0, 1.0);
        let c_tex = smoothstep(chk.tex_lo, chk.tex_hi, r.w);
        conf = c_lr * c_zncc * c_margin * c_tex;
        t = vec4<f32>(e, c_lr, c_zncc, c_margin);
      }
    }
  }
  if (chk.merge != 0u && conf <= confidence[i]) {
    return;
  }
  terms[2u * i] = t;
  terms[2u * i + 1u] = vec4<f32>(
    select(0.0, 1.0 / r.x, r.x > 0.0),
    smoothstep(chk.tex_lo, chk.tex_hi, r.w),
    r.z,
    r.w,
  );
  confidence[i] = conf;
  if (conf > 0.0) {
    depth[i] = z;
    let w = apply(chk.w0, chk.w1, chk.w2, unproject(chk.k_ref, uv, z));
    points[3u * i] = bitcast<u32>(w.x);
    points[3u * i + 1u] = bitcast<u32>(w.y);
    points[3u * i + 2u] = bitcast<u32>(w.z);
  } else {
    depth[i] = 0.0;
    points[3u * i] = NAN_BITS;
    points[3u * i + 1u] = NAN_BITS;
    points[3u * i + 2u] = NAN_BITS;
  }
}
