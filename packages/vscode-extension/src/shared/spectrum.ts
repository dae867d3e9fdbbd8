/**
 * energy[k - 1] = (s_1^2 + ... + s_k^2) / (sum of all s_i^2): the fraction of the squared
 * Frobenius norm the rank-k approximation keeps (Eckart-Young). Shared by host tests and webview.
 */
export function energyCurve(singularValues: ArrayLike<number>): Float64Array {
  const n = singularValues.length;
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += singularValues[i]! * singularValues[i]!;
  let head = 0;
  for (let i = 0; i < n; i++) {
    head += singularValues[i]! * singularValues[i]!;
    out[i] = total === 0 ? 1 : head / total;
  }
  return out;
}

/**
 * energyCurve over several channels factorized separately: kept / total summed over the channels.
 * `total` is the image's own ||M||_F^2 when known: a truncated spectrum (randomized SVD) sums to
 * less, and measured against itself would claim 100% at its last rank.
 */
export function energyOfChannels(channels: readonly ArrayLike<number>[], total?: number): Float64Array {
  const n = Math.min(...channels.map((s) => s.length));
  const out = new Float64Array(Math.max(0, n));
  if (total === undefined) {
    total = 0;
    for (const s of channels) for (let i = 0; i < s.length; i++) total += s[i]! * s[i]!;
  }
  let head = 0;
  for (let i = 0; i < n; i++) {
    for (const s of channels) head += s[i]! * s[i]!;
    out[i] = total === 0 ? 1 : head / total;
  }
  return out;
}
