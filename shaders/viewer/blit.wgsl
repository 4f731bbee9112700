// Copies the rasterizer's image (vec4<f32> per pixel, row-major, top row first) onto the canvas texture.
// A full-screen triangle; each fragment reads its own pixel (framebuffer y grows downwards like the image).

struct BlitParams {
  width: u32,
  height: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> image: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> params: BlitParams;

@vertex
fn blit_vertex(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
  let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
  return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn blit_fragment(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
  let x = min(u32(position.x), params.width - 1u);
  let y = min(u32(position.y), params.height - 1u);
  let c = image[y * params.width + x];
  return vec4<f32>(clamp(c.rgb, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
}
