// Fused Adam step of one parameter group (optim/adam.ts): moments, bias correction and update in one
// pass, one thread per float. Same arithmetic as torch.optim.Adam (non-amsgrad):
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
//   p ← p − (lr·s / (1−β1^t)) · m / (sqrt(v)/sqrt(1−β2^t) + ε)
// with s = lr_scale[i / stride] when a per-splat scale is bound, else 1 (× tail_scale past `head`). The step-dependent scalars are
// folded on the CPU in float64 (step_size = lr/(1−β1^t), inv_sqrt_bc2 = 1/sqrt(1−β2^t)).

struct AdamParams {
  count: u32,
  stride: u32,
  has_scale: u32,
  head: u32, // floats of each stride at the full rate; the rest at tail_scale × (SH: DC vs higher bands)
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32, // 1−β computed in float64: 1 − f32(0.999) would be off by 1.3e-5 relative
  one_minus_beta2: f32,
  eps: f32,
  step_size: f32,
  inv_sqrt_bc2: f32,
  tail_scale: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m1: array<f32>;
@group(0) @binding(3) var<storage, read_write> m2: array<f32>;
@group(0) @binding(4) var<storage, read> lr_scale: array<f32>;
@group(0) @binding(5) var<uniform> params: AdamParams; // one slot per encodeGroup (dynamic offset)

@compute @workgroup_size(WG_SIZE)
fn adam_step(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let g = grad[i];
  let m = params.beta1 * m1[i] + params.one_minus_beta1 * g;
  let v = params.beta2 * m2[i] + params.one_minus_beta2 * g * g;
  m1[i] = m;
  m2[i] = v;
  var step = params.step_size;
  if (params.has_scale != 0u) { step = step * lr_scale[i / params.stride]; }
  if (i % params.stride >= params.head) { step = step * params.tail_scale; }
  param[i] = param[i] - step * m / (sqrt(v) * params.inv_sqrt_bc2 + params.eps);
}
