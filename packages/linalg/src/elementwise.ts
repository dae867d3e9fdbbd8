import {
  type DenseMatrix,
  InvalidInputError,
  InvalidOptionError,
  isDenseMatrix,
  type MatrixData,
} from '@lowrank/core';

function sameLength(x: MatrixData, y: MatrixData, what: string): void {
  if (x.length !== y.length)
    throw new InvalidInputError(`${what}: arrays have ${x.length} and ${y.length} entries; they must match.`);
}

/** out = sign(x) * max(|x| - tau, 0), one pass. `out` may be `src` itself. */
export function softThreshold(src: MatrixData, tau: number, out: MatrixData): void {
  sameLength(src, out, 'softThreshold');
  if (!(tau >= 0) || !Number.isFinite(tau))
    throw new InvalidOptionError('tau', `${tau} is not a finite non-negative number.`);
  const len = src.length;
  for (let i = 0; i < len; i++) {
    const x = src[i]!;
    out[i] = x > tau ? x - tau : x < -tau ? x + tau : 0;
  }
}

/** y = alpha x + beta y, one pass (beta 0 ignores y's old values, NaN included). */
export function axpby(alpha: number, x: MatrixData, beta: number, y: MatrixData): void {
  sameLength(x, y, 'axpby');
  const len = y.length;
  if (beta === 0) for (let i = 0; i < len; i++) y[i] = alpha * x[i]!;
  else if (beta === 1) for (let i = 0; i < len; i++) y[i] = y[i]! + alpha * x[i]!;
  else for (let i = 0; i < len; i++) y[i] = alpha * x[i]! + beta * y[i]!;
}

function dataOf(a: DenseMatrix | MatrixData): MatrixData {
  return isDenseMatrix(a) ? a.data : (a as MatrixData);
}

/** sqrt(sum x^2), with four partial sums (faster, and less rounding than one long sum); rescales when the plain sum over/underflows. */
export function frobeniusNorm(a: DenseMatrix | MatrixData): number {
  const d = dataOf(a);
  const len = d.length;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    const x0 = d[i]!,
      x1 = d[i + 1]!,
      x2 = d[i + 2]!,
      x3 = d[i + 3]!;
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
  }
  for (; i < len; i++) s0 += d[i]! * d[i]!;
  const sum = s0 + s1 + s2 + s3;
  if (Number.isFinite(sum) && sum > 1e-280) return Math.sqrt(sum);
  if (Number.isNaN(sum)) return Number.NaN;
  const scale = maxAbs(d);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let t = 0;
  for (let j = 0; j < len; j++) {
    const x = d[j]! / scale;
    t += x * x;
  }
  return scale * Math.sqrt(t);
}

/** max |x| (0 for an empty array; NaN if any entry is NaN). */
export function maxAbs(a: DenseMatrix | MatrixData): number {
  const d = dataOf(a);
  let best = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Math.abs(d[i]!);
    if (v > best) best = v;
    else if (Number.isNaN(v)) return Number.NaN;
  }
  return best;
}
