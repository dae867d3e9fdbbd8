import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import {
  fusedDualAndSparsePass,
  inputNormsPass,
  residualAndDualPass,
  sparseUpdatePass,
} from './pcp-kernels.js';

function randomArray(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  createRng(seed).fillNormal(out);
  return out;
}

describe('PCP element-wise passes', () => {
  it('inputNormsPass takes the largest absolute entry (not a row sum) and the squared Frobenius norm', () => {
    const r = inputNormsPass(Float64Array.from([1, -3, 2, 0.5]));
    expect(r.maxAbs).toBe(3);
    expect(r.frobeniusSquared).toBeCloseTo(14.25, 14);
  });

  it('sparseUpdatePass soft-thresholds D - A + Y/mu and forms T = D - E + Y/mu', () => {
    const d = Float64Array.from([1, 0.1, -2]);
    const a = Float64Array.from([0, 0, 0]);
    const y = Float64Array.from([0, 0, 0]);
    const e = new Float64Array(3);
    const t = new Float64Array(3);
    const nonZeros = sparseUpdatePass(d, a, y, e, t, 1, 0.5);
    expect(Array.from(e)).toEqual([0.5, 0, -1.5]);
    expect(Array.from(t)).toEqual([0.5, 0.1, -0.5]);
    expect(nonZeros).toBe(2);
  });

  it('the fused pass equals the residual/dual pass followed by the next sparse update, bit for bit', () => {
    const n = 1000;
    const d = randomArray(n, 1);
    const a = randomArray(n, 2);
    const e0 = randomArray(n, 3).map((v) => (Math.abs(v) > 1.5 ? v : 0));
    const y0 = randomArray(n, 4);
    const mu = 0.7;
    const nextInvMu = 1 / (mu * 1.5);
    const lambda = 0.3;

    const e1 = e0.slice();
    const y1 = y0.slice();
    const t1 = new Float64Array(n);
    const residualSquared = residualAndDualPass(d, a, e1, y1, mu);
    const nonZeros = sparseUpdatePass(d, a, y1, e1, t1, nextInvMu, lambda);

    const e2 = e0.slice();
    const y2 = y0.slice();
    const t2 = new Float64Array(n);
    const fused = fusedDualAndSparsePass(d, a, e2, y2, t2, mu, nextInvMu, lambda);
    expect(fused.residualSquared).toBe(residualSquared);
    expect(fused.nonZeros).toBe(nonZeros);
    expect(e2).toEqual(e1);
    expect(y2).toEqual(y1);
    expect(t2).toEqual(t1);
  });
});
