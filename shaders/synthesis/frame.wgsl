// Per-frame uniforms of the warp-and-fill view synthesis (synthesis/warp-fill.ts packs them).
struct Frame {
  cam_from_world: mat4x4<f32>,
  fx: f32,
  fy: f32,
  cx: f32,
  cy: f32,
  width: u32,
  height: u32,
  count: u32,
  out_offset: u32,
  near: f32,
  radius_scale: f32,
  radius_min: f32,
  depth_tol: f32,
  spacing_tol: f32,
  alpha_thresh: f32,
  edge_tol: f32,
  falloff_px: f32,
  filled_conf: f32,
  photo_count: u32,  // photos the colour lookup reads (0: keep the splatted colours)
  lookup_tol: f32,  // a photo's depth must agree within this fraction of the point's depth
  lookup_min_conf: f32,  // and be at least this confident
  confirmed_weight: f32,  // a pixel the lookup recolours has its observed confidence scaled by this
}
