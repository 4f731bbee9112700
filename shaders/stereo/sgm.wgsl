// Semi-global cost aggregation along one direction: one thread walks one scanline of the band and adds
// its path costs L_r into `agg` (the first direction writes them, the others add). Per step and plane d:
//   L(p, d) = C(p, d) + min(L(p−r, d), L(p−r, d±1) + P1, min_k L(p−r, k) + P2') − min_k L(p−r, k)
// with P2' = max(P2 / (1 + |ΔI| / p2_grad), P1): depth jumps are cheap across reference image edges.
@group(0) @binding(0) var<storage, read> cost: array<f32>;
@group(0) @binding(1) var<storage, read_write> agg: array<f32>;
@group(0) @binding(2) var<storage, read> ref_gray: array<f32>;
@group(0) @binding(3) var<uniform> sweep: Sweep;
// (dx, dy, number of scanlines, 1 for the first direction of the band)
@group(0) @binding(4) var<uniform> dir: vec4<i32>;

const BIG: f32 = 3.0e38;

@compute @workgroup_size(STEREO_LINES_WG)
fn sgm_path(@builtin(global_invocation_id) gid: vec3<u32>) {
  let line = i32(gid.x);
  if (line >= dir.z) {
    return;
  }
  let w = i32(sweep.width);
  let h = i32(sweep.band_rows);
  let dx = dir.x;
  let dy = dir.y;
  // Scanlines start on the border the direction leaves from: first the W starts on the top/bottom row
  // (when dy ≠ 0), then the starts on the left/right column (when dx ≠ 0; minus the shared corner).
  var x = 0;
  var y = 0;
  if (dy != 0 && line < w) {
    x = line;
    y = select(h - 1, 0, dy > 0);
  } else {
    var j = line;
    if (dy != 0) {
      j = line - w + 1;
    }
    x = select(w - 1, 0, dx > 0);
    y = select(h - 1 - j, j, dy >= 0);
  }
  let planes = sweep.planes;
  var prev: array<f32, STEREO_MAX_PLANES>;
  var prev_min = 0.0;
  var g_prev = 0.0;
  var first = true;
  loop {
    if (x < 0 || y < 0 || x >= w || y >= h) {
      break;
    }
    let base = u32(y * w + x) * planes;
    let g = ref_gray[(sweep.row_offset + u32(y)) * sweep.width + u32(x)];
    var new_min = BIG;
    if (first) {
      for (var d = 0u; d < planes; d++) {
        let l = cost[base + d];
        prev[d] = l;
        agg[base + d] = select(agg[base + d] + l, l, dir.w != 0);
        new_min = min(new_min, l);
      }
      first = false;
    } else {
      let p1 = sweep.p1;
      let p2 = max(sweep.p2 / (1.0 + abs(g - g_prev) / sweep.p2_grad), p1);
      let jump = prev_min + p2;
      var left = BIG;
      for (var d = 0u; d < planes; d++) {
        let here = prev[d];
        var right = BIG;
        if (d + 1u < planes) {
          right = prev[d + 1u];
        }
        let l = cost[base + d] + min(min(here, min(left, right) + p1), jump) - prev_min;
        left = here;
        prev[d] = l;
        agg[base + d] = select(agg[base + d] + l, l, dir.w != 0);
        new_min = min(new_min, l);
      }
    }
    prev_min = new_min;
    g_prev = g;
    x += dx;
    y += dy;
  }
}
