/** Robust bounds of a point set for framing the view: per-axis median centre, 90th-percentile radius. */
export interface SceneBounds {
  center: [number, number, number];
  radius: number;
}

const SAMPLE = 20_000;

export function robustBounds(positions: ArrayLike<number>, count: number): SceneBounds {
  if (count <= 0) return { center: [0, 0, 1], radius: 1 };
  const stride = Math.max(1, Math.floor(count / SAMPLE));
  const picks: number[] = [];
  for (let i = 0; i < count; i += stride) {
    const x = positions[i * 3];
    const y = positions[i * 3 + 1];
    const z = positions[i * 3 + 2];
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) picks.push(i);
  }
  if (picks.length === 0) return { center: [0, 0, 1], radius: 1 };
  const median = (axis: number): number => {
    const v = picks.map((i) => positions[i * 3 + axis]).sort((a, b) => a - b);
    return v[v.length >> 1];
  };
  const center: [number, number, number] = [median(0), median(1), median(2)];
  const d = picks
    .map((i) =>
      Math.hypot(
        positions[i * 3] - center[0],
        positions[i * 3 + 1] - center[1],
        positions[i * 3 + 2] - center[2],
      ),
    )
    .sort((a, b) => a - b);
  const radius = d[Math.min(d.length - 1, Math.floor(d.length * 0.9))];
  return { center, radius: radius > 1e-9 ? radius : 1 };
}
