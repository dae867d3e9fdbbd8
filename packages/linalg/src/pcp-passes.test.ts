import { afterAll, describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import {
  allocateKernelMatrix,
  isKernelMatrix,
  releaseKernelMatrix,
  threadsSupported,
} from './gemm-threads.js';
import {
  pcpDualAndSparseOnThreads,
  pcpResidualAndDualOnThreads,
  pcpSparseUpdateOnThreads,
} from './pcp-passes.js';

const shrink = (v: number, t: number) => (v > t ? v - t : v < -t ? v + t : 0);

/** Five kernel matrices of one odd length (so the scalar tail runs), filled deterministically. */
function operands(length: number) {
  const make = (seed: number) => {
    const m = allocateKernelMatrix(1, length);
    for (let i = 0; i < length; i++) m.data[i] = Math.sin(i * 0.37 + seed) * (1 + (i % 5));
    return m;
  };
  return { d: make(1), a: make(2), e: make(3), y: make(4), t: make(5) };
}

describe.runIf(threadsSupported())('robust PCA element-wise passes on WebAssembly threads', () => {
  afterAll(() => setLinalgBackend('auto'));

  for (const threads of [2, 3]) {
    it(`match the per-entry formulas exactly and their sums to 1e-13 (${threads} threads, odd length)`, () => {
      setLinalgBackend('wasm', { threads });
      const length = 10_001;
      const o = operands(length);
      const all = Object.values(o);
      expect(all.every(isKernelMatrix)).toBe(true);
      const copy = (m: { data: Float64Array }) => Float64Array.from(m.data);
      const [d, a, e0, y0] = [copy(o.d), copy(o.a), copy(o.e), copy(o.y)];
      const invMu = 0.8;
      const lambda = 1.3;
      const mu = 2.5;

      // Sparse update.
      const nonZeros = pcpSparseUpdateOnThreads(
        o.d.data,
        o.a.data,
        o.y.data,
        o.e.data,
        o.t.data,
        invMu,
        lambda,
      );
      let expectedNonZeros = 0;
      for (let k = 0; k < length; k++) {
        const yk = y0[k]! * invMu;
        const ek = shrink(d[k]! - a[k]! + yk, lambda * invMu);
        if (ek !== 0) expectedNonZeros++;
        expect(o.e.data[k]).toBe(ek);
        expect(o.t.data[k]).toBe(d[k]! - ek + yk);
      }
      expect(nonZeros).toBe(expectedNonZeros);
      expect(expectedNonZeros).toBeGreaterThan(length / 10);
      expect(expectedNonZeros).toBeLessThan(length);

      // Residual and dual update.
      const e1 = copy(o.e);
      const squared = pcpResidualAndDualOnThreads(o.d.data, o.a.data, o.e.data, o.y.data, mu);
      let expectedSquared = 0;
      for (let k = 0; k < length; k++) {
        const z = d[k]! - a[k]! - e1[k]!;
        expectedSquared += z * z;
        expect(o.y.data[k]).toBe(y0[k]! + mu * z);
      }
      expect(Math.abs(squared! - expectedSquared)).toBeLessThan(1e-13 * expectedSquared);

      // Both in one sweep.
      const y1 = copy(o.y);
      const fused = pcpDualAndSparseOnThreads(
        o.d.data,
        o.a.data,
        o.e.data,
        o.y.data,
        o.t.data,
        mu,
        invMu,
        lambda,
      );
      let fusedSquared = 0;
      let fusedNonZeros = 0;
      for (let k = 0; k < length; k++) {
        const z = d[k]! - a[k]! - e1[k]!;
        fusedSquared += z * z;
        const yk = y1[k]! + mu * z;
        expect(o.y.data[k]).toBe(yk);
        const ek = shrink(d[k]! - a[k]! + yk * invMu, lambda * invMu);
        if (ek !== 0) fusedNonZeros++;
        expect(o.e.data[k]).toBe(ek);
        expect(o.t.data[k]).toBe(d[k]! - ek + yk * invMu);
      }
      expect(fused!.nonZeros).toBe(fusedNonZeros);
      expect(Math.abs(fused!.residualSquared - fusedSquared)).toBeLessThan(1e-13 * fusedSquared);
      expect(e0).not.toEqual(o.e.data);
      for (const m of all) releaseKernelMatrix(m);
    });
  }

  it('declines (returns null, touching nothing) when an operand is an ordinary array', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const o = operands(64);
    const ordinary = new Float64Array(64).fill(7);
    expect(pcpSparseUpdateOnThreads(o.d.data, o.a.data, o.y.data, ordinary, o.t.data, 1, 1)).toBeNull();
    expect(ordinary.every((v) => v === 7)).toBe(true);
    setLinalgBackend('wasm', { threads: 1 });
    expect(pcpResidualAndDualOnThreads(o.d.data, o.a.data, o.e.data, o.y.data, 1)).toBeNull();
    for (const m of Object.values(o)) releaseKernelMatrix(m);
  });
});
