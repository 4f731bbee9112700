// Linear workgroup index for dispatches split into a 2D grid above 65,535 workgroups (gpu/dispatch.ts).
fn linear_workgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}
