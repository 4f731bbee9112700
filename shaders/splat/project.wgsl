// Forward projection of every splat into one view (one thread a splat): cull (near plane, opacity below
// ALPHA_MIN after the mip mode's compensation, no tile in the image), 2D mean, conic, opacity, cutoff and
// depth into the splat's record, and append the visible ones to the depth-sort list (key: depth's f32
// bits, which sort like the positive floats).
// Colour is a second kernel (project_color.wgsl): one kernel may bind at most 8 storage buffers.

@group(0) @binding(0) var<uniform> cam: Camera;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> log_scales: array<f32>;
@group(0) @binding(3) var<storage, read> rotations: array<f32>;
@group(0) @binding(4) var<storage, read> opacity_logits: array<f32>;
@group(0) @binding(5) var<storage, read_write> records: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> depth_keys: array<u32>;
@group(0) @binding(7) var<storage, read_write> depth_ids: array<u32>;
@group(0) @binding(8) var<storage, read_write> state: array<atomic<u32>>; // [visible, …]

@compute @workgroup_size(WG_SIZE)
fn project_splats(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_workgroup(wid, nwg) * WG_SIZE + lid;
  if (i >= cam.counts.x) { return; }
  let mean = vec3<f32>(means[3u * i], means[3u * i + 1u], means[3u * i + 2u]);
  let t = cam_point(cam, mean);
  if (!(t.z > cam.center.w)) { return; }
  // The mip mode only lowers opacity (ρ ≤ 1), so splats already below ALPHA_MIN leave before the covariance.
  let o = sigmoid(opacity_logits[i]);
  if (!(o >= ALPHA_MIN)) { return; }
  let q = vec4<f32>(rotations[4u * i], rotations[4u * i + 1u], rotations[4u * i + 2u], rotations[4u * i + 3u]);
  let qn = length(q);
  if (!(qn > 0.0)) { return; }
  let s = exp(vec3<f32>(log_scales[3u * i], log_scales[3u * i + 1u], log_scales[3u * i + 2u]));
  let m = scale_rot(q / qn, s);
  let w = cam_rotation(cam);
  let cov_cam = w * (m * transpose(m)) * transpose(w);
  let p = project_cov(cam, t, cov_cam);
  let det = p.cov.x * p.cov.z - p.cov.y * p.cov.y;
  if (!(det > 0.0)) { return; }
  let conic = vec3<f32>(p.cov.z, -p.cov.y, p.cov.x) / det;
  // The opacity the pixels see: the mip mode scales it by the filter's energy factor.
  let opacity = o * opacity_compensation(cam, conic);
  if (!(opacity >= ALPHA_MIN)) { return; }
  let cutoff = splat_cutoff(cam, opacity);
  let rect = tile_rect(cam, p.mean, conic, cutoff);
  if (rect.x >= rect.z) { return; }

  let at = SPLAT_RECORD_VEC4S * i;
  records[at] = vec4<f32>(p.mean, t.z, opacity);
  records[at + 1u] = vec4<f32>(conic, cutoff);
  let k = atomicAdd(&state[0], 1u);
  depth_keys[k] = bitcast<u32>(t.z);
  depth_ids[k] = i;
}
