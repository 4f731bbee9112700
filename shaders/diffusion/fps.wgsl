// Farthest point sampling in one workgroup (ReconX's structure tokens start from FPS of the global
// cloud). Each iteration every thread lowers the running min-distance of its strided points to the last
// pick and keeps its own farthest; a tree reduction in workgroup memory finds the global farthest
// (ties: the smallest index), which becomes the next pick. One thread owns each point's distance, so
// only the reduction needs barriers.

struct FpsParams {
  count: u32,
  samples: u32,
  start: u32,
  _pad: u32,
};

@group(0) @binding(0) var<uniform> params: FpsParams;
@group(0) @binding(1) var<storage, read> points: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> colors: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dist: array<f32>;
@group(0) @binding(4) var<storage, read_write> selected: array<u32>;
@group(0) @binding(5) var<storage, read_write> out_points: array<f32>;

var<workgroup> best_d: array<f32, FPS_WG>;
var<workgroup> best_i: array<u32, FPS_WG>;
var<workgroup> current: u32;

@compute @workgroup_size(FPS_WG)
fn farthest_points(@builtin(local_invocation_index) tid: u32) {
  let count = params.count;
  for (var i = tid; i < count; i += FPS_WG) {
    dist[i] = 3.0e38;
  }
  if (tid == 0u) {
    current = params.start;
  }
  for (var s = 0u; s < params.samples; s++) {
    let c = workgroupUniformLoad(&current);
    let p = points[c].xyz;
    if (tid == 0u) {
      selected[s] = c;
      let col = colors[c].xyz;
      out_points[6u * s + 0u] = p.x;
      out_points[6u * s + 1u] = p.y;
      out_points[6u * s + 2u] = p.z;
      out_points[6u * s + 3u] = col.x;
      out_points[6u * s + 4u] = col.y;
      out_points[6u * s + 5u] = col.z;
    }
    var bd = -1.0;
    var bi = 0xffffffffu;
    for (var i = tid; i < count; i += FPS_WG) {
      let q = points[i].xyz - p;
      let d = min(dist[i], q.x * q.x + q.y * q.y + q.z * q.z);
      dist[i] = d;
      if (d > bd) {
        bd = d;
        bi = i;
      }
    }
    best_d[tid] = bd;
    best_i[tid] = bi;
    workgroupBarrier();
    for (var stride = FPS_WG / 2u; stride > 0u; stride = stride / 2u) {
      if (tid < stride) {
        let od = best_d[tid + stride];
        let oi = best_i[tid + stride];
        if (od > best_d[tid] || (od == best_d[tid] && oi < best_i[tid])) {
          best_d[tid] = od;
          best_i[tid] = oi;
        }
      }
      workgroupBarrier();
    }
    if (tid == 0u) {
      current = best_i[0];
    }
  }
}
