import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { residualPass, startPass, updatePass } from './pcp-kernels.js';

function randomArray(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  createRng(seed).fillNormal(out);
  return out;
}

describe('PCP element-wise passes', () => {
  it('startPass copies D into T and takes the largest absolute entry (not a row sum) and the squared Frobenius norm', () => {
    const d = Float64Array.from([1, -3, 2, 0.5]);
    const t = new Float64Array(4);
    const r = startPass(d, t);
    expect(r.maxAbs).toBe(3);
    expect(r.frobeniusSquared).toBeCloseTo(14.25, 14);
    expect(t).toEqual(d);
  });

  it('startPass reports a NaN or an infinity through maxAbs wherever it sits', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 2, 4]) {
        const d = Float64Array.from([1, -3, 2, 0.5, 7]);
        d[at] = bad;
        const { maxAbs } = startPass(d, new Float64Array(5));
        expect(Number.isFinite(maxAbs)).toBe(false);
      }
    }
  });

  it('the first update (A = 0, T = D) soft-thresholds D + Y0/mu0 and forms T = D - E + Y0/mu0', () => {
    const d = Float64Array.from([1, 0.1, -2]);
    const a = new Float64Array(3);
    const e = new Float64Array(3);
    const t = d.slice();
    // Y0/mu0 = D * scale with scale 0.5: v = 1.5 D; threshold 0.5.
    const r = updatePass(d, a, e, t, 0.5, 0.5);
    expect(Array.from(e)).toEqual([1, 0, -2.5]);
    for (const [i, v] of [0.5, 0.15, -0.5].entries()) expect(t[i]).toBeCloseTo(v, 15);
    expect(r.nonZeros).toBe(2);
  });

  it('equals the textbook ALM step with an explicit dual variable Y (to rounding)', () => {
    const n = 1000;
    const d = randomArray(n, 1);
    const a = randomArray(n, 2);
    const e0 = randomArray(n, 3).map((v) => (Math.abs(v) > 1.5 ? v : 0));
    const y0 = randomArray(n, 4);
    const mu = 0.7;
    const nextMu = mu * 1.5;
    const lambda = 0.3;
    // What the solver stores instead of Y: T = D - E + Y/mu.
    const t = Float64Array.from(d, (dk, k) => dk - e0[k]! + y0[k]! / mu);
    const e = e0.slice();
    const r = updatePass(d, a, e, t, mu / nextMu, lambda / nextMu);

    let residualSquared = 0;
    let nonZeros = 0;
    for (let k = 0; k < n; k++) {
      const z = d[k]! - a[k]! - e0[k]!;
      residualSquared += z * z;
      const y = y0[k]! + mu * z; // Y' = Y + mu (D - A - E)
      const v = d[k]! - a[k]! + y / nextMu;
      const threshold = lambda / nextMu;
      const ek = v > threshold ? v - threshold : v < -threshold ? v + threshold : 0;
      if (ek !== 0) nonZeros++;
      expect(Math.abs(e[k]! - ek)).toBeLessThan(1e-14 * (1 + Math.abs(ek)));
      expect(Math.abs(t[k]! - (d[k]! - ek + y / nextMu))).toBeLessThan(1e-13);
    }
    expect(r.nonZeros).toBe(nonZeros);
    expect(r.residualSquared).toBe(residualSquared);
    expect(residualPass(d, a, e0)).toBe(residualSquared);
  });
});
