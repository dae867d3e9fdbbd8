/**
 * The element-wise passes of principal component pursuit (inexact ALM), each fused into one loop
 * over the whole matrix with no temporaries: numpy spends about ten passes (and 460 MB temporaries
 * at full video size) on what these do in two.
 */

/** Statistics of the input in one pass: squared Frobenius norm and largest absolute entry. */
export function inputNormsPass(d: Float64Array): { frobeniusSquared: number; maxAbs: number } {
  let sum = 0;
  let maxAbs = 0;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    sum += v * v;
    const a = v < 0 ? -v : v;
    if (a > maxAbs) maxAbs = a;
  }
  return { frobeniusSquared: sum, maxAbs };
}

/** out = scale * d (the dual variable's start Y0 = M / J(M)). */
export function scaledCopy(d: Float64Array, scale: number, out: Float64Array): void {
  for (let k = 0; k < d.length; k++) out[k] = d[k]! * scale;
}

/**
 * The sparse update and the SVD input of one iteration, fused:
 *   E = shrink(D - A + Y/mu, lambda/mu)   (entry-wise soft threshold)
 *   T = D - E + Y/mu                      (what singular value thresholding works on)
 * Returns the number of non-zero entries of E.
 */
export function sparseUpdatePass(
  d: Float64Array,
  a: Float64Array,
  y: Float64Array,
  e: Float64Array,
  t: Float64Array,
  invMu: number,
  lambda: number,
): number {
  const threshold = lambda * invMu;
  let nonZeros = 0;
  for (let k = 0; k < d.length; k++) {
    const dk = d[k]!;
    const yk = y[k]! * invMu;
    const v = dk - a[k]! + yk;
    let ek = 0;
    if (v > threshold) ek = v - threshold;
    else if (v < -threshold) ek = v + threshold;
    if (ek !== 0) nonZeros++;
    e[k] = ek;
    t[k] = dk - ek + yk;
  }
  return nonZeros;
}

/**
 * The constraint residual and the dual update, fused:
 *   Z = D - A - E;  Y += mu * Z;  returns ||Z||_F^2.
 */
export function residualAndDualPass(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  y: Float64Array,
  mu: number,
): number {
  let sum = 0;
  for (let k = 0; k < d.length; k++) {
    const z = d[k]! - a[k]! - e[k]!;
    sum += z * z;
    y[k]! += mu * z;
  }
  return sum;
}

/**
 * residualAndDualPass of iteration k and sparseUpdatePass of iteration k + 1 in one loop (7 memory
 * streams instead of 10). E is overwritten with E_{k+1}, so the solver only uses it when iteration k
 * is not expected to converge (it needs E_k to return otherwise).
 */
export function fusedDualAndSparsePass(
  d: Float64Array,
  a: Float64Array,
  e: Float64Array,
  y: Float64Array,
  t: Float64Array,
  mu: number,
  nextInvMu: number,
  lambda: number,
): { residualSquared: number; nonZeros: number } {
  const threshold = lambda * nextInvMu;
  let sum = 0;
  let nonZeros = 0;
  for (let k = 0; k < d.length; k++) {
    const dk = d[k]!;
    const ak = a[k]!;
    const z = dk - ak - e[k]!;
    sum += z * z;
    const yk = y[k]! + mu * z;
    y[k] = yk;
    const ys = yk * nextInvMu;
    const v = dk - ak + ys;
    let ek = 0;
    if (v > threshold) ek = v - threshold;
    else if (v < -threshold) ek = v + threshold;
    if (ek !== 0) nonZeros++;
    e[k] = ek;
    t[k] = dk - ek + ys;
  }
  return { residualSquared: sum, nonZeros };
}
