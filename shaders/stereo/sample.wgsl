// Bilinear sample of the source grey image at a continuous position (pixel centres at +0.5), edges
// replicated. The including module declares `src_gray` and passes the source size.
fn sample_source(p: vec2<f32>, size: vec2<u32>) -> f32 {
  let maxc = vec2<f32>(size) - vec2<f32>(1.0);
  let q = clamp(p - vec2<f32>(0.5), vec2<f32>(0.0), maxc);
  let i0 = vec2<u32>(floor(q));
  let i1 = min(i0 + vec2<u32>(1u), size - vec2<u32>(1u));
  let f = q - floor(q);
  let w = size.x;
  let a = src_gray[i0.y * w + i0.x];
  let b = src_gray[i0.y * w + i1.x];
  let c = src_gray[i1.y * w + i0.x];
  let d = src_gray[i1.y * w + i1.x];
  return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}
