/**
 * Multi-view tracks from pairwise inlier matches. A keypoint is (view, id) where the id comes from the
 * matcher (Matches.ia / ib) or, without ids, from the exact pixel coordinates (the same detection
 * shared by several pairs has identical coordinates). Matches are merged by union–find; a track that
 * would contain two different keypoints of the same view is inconsistent and dropped.
 */

export interface TrackInput {
  i: number;
  j: number;
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  ia?: ArrayLike<number>;
  ib?: ArrayLike<number>;
  /** Indices of the matches to link (the verified inliers). */
  use: ArrayLike<number>;
}

export interface Tracks {
  count: number;
  /** CSR: observations of track k are start[k] .. start[k + 1] − 1. */
  start: Int32Array;
  view: Int32Array;
  /** Pixel coordinates, 2 per observation. */
  xy: Float64Array;
}

export function buildTracks(pairs: TrackInput[]): Tracks {
  // Keypoint lookup: per view, by id, or by the bit patterns of the float32 coordinates (two levels,
  // avoiding string keys on large match sets).
  const byId = new Map<number, Map<number, number>>();
  const byXY = new Map<number, Map<number, Map<number, number>>>();
  const f32 = new Float32Array(2);
  const bits = new Uint32Array(f32.buffer);
  const nodeView: number[] = [];
  const nodeXY: number[] = [];
  const parent: number[] = [];
  const create = (view: number, x: number, y: number): number => {
    const n = parent.length;
    parent.push(n);
    nodeView.push(view);
    nodeXY.push(x, y);
    return n;
  };
  const node = (view: number, x: number, y: number, id: number | undefined): number => {
    if (id !== undefined) {
      let m = byId.get(view);
      if (!m) byId.set(view, (m = new Map()));
      let n = m.get(id);
      if (n === undefined) m.set(id, (n = create(view, x, y)));
      return n;
    }
    f32[0] = x;
    f32[1] = y;
    let mv = byXY.get(view);
    if (!mv) byXY.set(view, (mv = new Map()));
    let mx = mv.get(bits[0]);
    if (!mx) mv.set(bits[0], (mx = new Map()));
    let n = mx.get(bits[1]);
    if (n === undefined) mx.set(bits[1], (n = create(view, x, y)));
    return n;
  };
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const p of pairs) {
    for (let k = 0; k < p.use.length; k++) {
      const m = p.use[k];
      const na = node(p.i, p.a[2 * m], p.a[2 * m + 1], p.ia?.[m]);
      const nb = node(p.j, p.b[2 * m], p.b[2 * m + 1], p.ib?.[m]);
      const ra = find(na);
      const rb = find(nb);
      if (ra !== rb) parent[ra] = rb;
    }
  }
  const groups = new Map<number, number[]>();
  for (let n = 0; n < parent.length; n++) {
    const r = find(n);
    const g = groups.get(r);
    if (g) g.push(n);
    else groups.set(r, [n]);
  }
  const start = [0];
  const view: number[] = [];
  const xy: number[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const views = new Set(g.map((n) => nodeView[n]));
    if (views.size !== g.length) continue;
    g.sort((x, y) => nodeView[x] - nodeView[y]);
    for (const n of g) {
      view.push(nodeView[n]);
      xy.push(nodeXY[2 * n], nodeXY[2 * n + 1]);
    }
    start.push(view.length);
  }
  return {
    count: start.length - 1,
    start: Int32Array.from(start),
    view: Int32Array.from(view),
    xy: Float64Array.from(xy),
  };
}
