/**
 * Univariate polynomials as coefficient arrays, lowest degree first: p[k] multiplies x^k.
 * Real roots come from a derivative cascade: the real roots of p' split the line into intervals on which
 * p is monotone, so each interval holds at most one root and a safeguarded Newton/bisection finds it.
 * That is robust for the degree-10 polynomial of the five-point solver without complex arithmetic.
 */

export function polyEval(p: ArrayLike<number>, x: number): number {
  let y = 0;
  for (let k = p.length - 1; k >= 0; k--) y = y * x + p[k];
  return y;
}

export function polyMul(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out;
}

export function polyAdd(a: ArrayLike<number>, b: ArrayLike<number>, sb = 1): number[] {
  const out = new Array<number>(Math.max(a.length, b.length)).fill(0);
  for (let i = 0; i < a.length; i++) out[i] += a[i];
  for (let i = 0; i < b.length; i++) out[i] += sb * b[i];
  return out;
}

export function polyDerivative(p: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let k = 1; k < p.length; k++) out.push(k * p[k]);
  return out;
}

/** Drops leading coefficients that are negligible relative to the largest one. */
function trim(p: ArrayLike<number>): number[] {
  let scale = 0;
  for (let k = 0; k < p.length; k++) scale = Math.max(scale, Math.abs(p[k]));
  const out = Array.from(p);
  while (out.length > 1 && Math.abs(out[out.length - 1]) <= 1e-14 * scale) out.pop();
  return out;
}

/** Root of a polynomial monotone on [lo, hi] whose values at the ends have opposite signs. */
function monotoneRoot(p: number[], dp: number[], lo: number, hi: number, flo: number): number {
  let x = 0.5 * (lo + hi);
  for (let it = 0; it < 200; it++) {
    const fx = polyEval(p, x);
    if (fx === 0) return x;
    if (fx * flo < 0) hi = x;
    else {
      lo = x;
      flo = fx;
    }
    const d = polyEval(dp, x);
    let next = d !== 0 ? x - fx / d : Number.NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (
      Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x)) ||
      hi - lo <= 1e-15 * Math.max(1, Math.abs(x))
    ) {
      return next;
    }
    x = next;
  }
  return x;
}

/** Real roots of p in ascending order (a double root where p touches zero is reported once). */
export function realRoots(poly: ArrayLike<number>): number[] {
  const p = trim(poly);
  const n = p.length - 1;
  if (n < 1) return [];
  if (n === 1) return [-p[0] / p[1]];
  // Cauchy bound: every root lies in |x| ≤ 1 + max |p_k / p_n|.
  let bound = 0;
  for (let k = 0; k < n; k++) bound = Math.max(bound, Math.abs(p[k] / p[n]));
  bound = 1 + bound;
  const dp = polyDerivative(p);
  const critical = realRoots(dp).filter((x) => Math.abs(x) < bound);
  const knots = [-bound, ...critical, bound];
  const roots: number[] = [];
  let scale = 0;
  for (const c of p) scale = Math.max(scale, Math.abs(c));
  for (let k = 0; k + 1 < knots.length; k++) {
    const lo = knots[k];
    const hi = knots[k + 1];
    const flo = polyEval(p, lo);
    const fhi = polyEval(p, hi);
    if (flo === 0) {
      if (roots.length === 0 || roots[roots.length - 1] !== lo) roots.push(lo);
      continue;
    }
    if (flo * fhi < 0) roots.push(monotoneRoot(p, dp, lo, hi, flo));
  }
  // A critical point where p (nearly) vanishes is a double root that has no sign change around it.
  for (const c of critical) {
    const v = Math.abs(polyEval(p, c));
    const mag = Math.max(1, Math.abs(c)) ** n;
    if (v <= 1e-12 * scale * mag && !roots.some((r) => Math.abs(r - c) <= 1e-9 * Math.max(1, Math.abs(c)))) {
      roots.push(c);
    }
  }
  return roots.sort((a, b) => a - b);
}
