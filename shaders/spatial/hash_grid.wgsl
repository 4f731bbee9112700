// Spatial hash of grid cells shared by the kNN kernels (knn.wgsl): bindings 0 and 4 of both modules.
struct KnnParams {
  count: u32,
  table_size: u32,
  cell_size: f32,
  fallback: f32, // distance reported when fewer than 3 neighbours lie in the 27 cells
  origin: vec3<f32>,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> positions: array<f32>;
@group(0) @binding(4) var<uniform> params: KnnParams;

fn point_at(i: u32) -> vec3<f32> {
  return vec3<f32>(positions[3u * i], positions[3u * i + 1u], positions[3u * i + 2u]);
}

fn cell_of(p: vec3<f32>) -> vec3<i32> {
  return vec3<i32>(floor((p - params.origin) / params.cell_size));
}

fn hash_cell(c: vec3<i32>) -> u32 {
  let h = (u32(c.x) * 73856093u) ^ (u32(c.y) * 19349663u) ^ (u32(c.z) * 83492791u);
  return h % params.table_size;
}
