// Winner-take-all over the aggregated costs of one band, with parabola sub-plane refinement (the planes
// are uniform in inverse depth, so the offset is linear in inverse depth). Writes, for the band's kept
// rows, (inverse depth, ZNCC at the winner, margin, σ) where margin = (second-best local minimum − best)
// / paths, or −1 when the winner is the first or last plane (depth outside the range), and σ is the
// grey-level standard deviation of the reference window (texture).
@group(0) @binding(0) var<storage, read> cost: array<f32>;
@group(0) @binding(1) var<storage, read> agg: array<f32>;
@group(0) @binding(2) var<storage, read_write> result: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> sweep: Sweep;
// Reference window (mean, variance) per image pixel.
@group(0) @binding(4) var<storage, read> ref_stats: array<vec2<f32>>;

@compute @workgroup_size(WG_SIZE)
fn winner(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let rows = sweep.keep_end - sweep.keep_begin;
  let i = linear_workgroup(wid, nwg) * WG_SIZE + li;
  if (i >= rows * sweep.width) {
    return;
  }
  let x = i % sweep.width;
  let yb = sweep.keep_begin + i / sweep.width;
  let planes = sweep.planes;
  let base = (yb * sweep.width + x) * planes;

  var best = 0u;
  var best_cost = agg[base];
  var worst = best_cost;
  for (var d = 1u; d < planes; d++) {
    let c = agg[base + d];
    if (c < best_cost) {
      best_cost = c;
      best = d;
    }
    worst = max(worst, c);
  }
  // Second-best *local* minimum: a neighbour of the winner on the same valley does not count.
  var second = worst;
  for (var d = 0u; d < planes; d++) {
    if (d == best) {
      continue;
    }
    let c = agg[base + d];
    let lower_left = d == 0u || c <= agg[base + d - 1u];
    let lower_right = d + 1u == planes || c < agg[base + d + 1u];
    if (lower_left && lower_right) {
      second = min(second, c);
    }
  }

  var offset = 0.0;
  var margin = -1.0;
  if (best > 0u && best + 1u < planes) {
    margin = (second - best_cost) / f32(sweep.paths);
    let cm = agg[base + best - 1u];
    let cp = agg[base + best + 1u];
    let curvature = cm - 2.0 * best_cost + cp;
    if (curvature > 0.0) {
      offset = clamp(0.5 * (cm - cp) / curvature, -0.5, 0.5);
    }
  }
  let rho = sweep.rho0 + (f32(best) + offset) * sweep.drho;
  let zncc = 1.0 - 2.0 * cost[base + best];
  let i_img = (sweep.row_offset + yb) * sweep.width + x;
  result[i_img] = vec4<f32>(rho, zncc, margin, sqrt(ref_stats[i_img].y));
}
