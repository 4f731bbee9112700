/** Frustums of the scene's cameras drawn on a 2D canvas over the viewer, projected with the view camera. */
import type { SceneCamera, ViewCamera } from '../../engine/protocol';

type V3 = [number, number, number];

/** World point → pixel with an OpenCV camera (null behind the near plane). */
function projector(view: ViewCamera, near: number): (p: V3) => [number, number] | null {
  const m = view.worldFromCamera;
  const c: V3 = [m[12], m[13], m[14]];
  const { fx, fy, cx, cy } = view.intrinsics;
  return (p) => {
    const d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
    // cameraFromWorld rotation = transpose of worldFromCamera's: row k is column k.
    const x = m[0] * d[0] + m[1] * d[1] + m[2] * d[2];
    const y = m[4] * d[0] + m[5] * d[1] + m[6] * d[2];
    const z = m[8] * d[0] + m[9] * d[1] + m[10] * d[2];
    if (z <= near) return null;
    return [(fx * x) / z + cx, (fy * y) / z + cy];
  };
}

function toWorld(cam: SceneCamera, u: number, v: number, z: number): V3 {
  const m = cam.worldFromCamera;
  const k = cam.intrinsics;
  const p = [((u - k.cx) / k.fx) * z, ((v - k.cy) / k.fy) * z, z];
  return [0, 1, 2].map((r) => m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r]) as V3;
}

/** Frustums drawn (at least one edge in front of the view camera and inside the canvas), per camera kind. */
export interface FrustumCounts {
  input: number;
  trajectory: number;
}

export function drawFrustums(
  ctx: CanvasRenderingContext2D,
  view: ViewCamera,
  cameras: SceneCamera[],
  size: number,
  highlight: number | null,
): FrustumCounts {
  const { width, height } = view.intrinsics;
  ctx.clearRect(0, 0, width, height);
  const project = projector(view, size * 0.01);
  const counts: FrustumCounts = { input: 0, trajectory: 0 };
  cameras.forEach((cam, index) => {
    const k = cam.intrinsics;
    const apex = toWorld(cam, k.cx, k.cy, 0);
    const corners = [
      [0, 0],
      [k.width, 0],
      [k.width, k.height],
      [0, k.height],
    ].map(([u, v]) => toWorld(cam, u, v, size));
    const segments: [V3, V3][] = corners.map((c, i) => [c, corners[(i + 1) % 4]]);
    for (const c of corners) segments.push([apex, c]);
    // A tick on the top edge shows which way is up in the photo.
    const topMid = toWorld(cam, k.width / 2, 0, size);
    const tick = toWorld(cam, k.width / 2, -0.25 * k.height, size);
    segments.push([topMid, tick]);
    ctx.strokeStyle = index === highlight ? '#ffffff' : cam.kind === 'input' ? '#f0b429' : '#6cb6ff';
    ctx.lineWidth = index === highlight ? 2 : 1.25;
    ctx.beginPath();
    let drawn = false;
    for (const [a, b] of segments) {
      const pa = project(a);
      const pb = project(b);
      if (!pa || !pb) continue;
      ctx.moveTo(pa[0], pa[1]);
      ctx.lineTo(pb[0], pb[1]);
      // Counted only when the segment's box reaches into the canvas (it may show there).
      drawn ||=
        Math.max(pa[0], pb[0]) >= 0 &&
        Math.min(pa[0], pb[0]) <= width &&
        Math.max(pa[1], pb[1]) >= 0 &&
        Math.min(pa[1], pb[1]) <= height;
    }
    ctx.stroke();
    if (drawn) counts[cam.kind]++;
  });
  // The trajectory as a polyline through the synthesized cameras' centres.
  const path = cameras.filter((c) => c.kind === 'trajectory').map((c) => project(toWorld(c, 0, 0, 0)));
  ctx.strokeStyle = 'rgba(108,182,255,0.6)';
  ctx.beginPath();
  let pen = false;
  for (const p of path) {
    if (!p) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(p[0], p[1]);
    else ctx.moveTo(p[0], p[1]);
    pen = true;
  }
  ctx.stroke();
  return counts;
}
