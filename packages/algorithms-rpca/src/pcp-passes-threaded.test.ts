import {
  allocateKernelMatrix,
  isKernelMatrix,
  releaseKernelMatrix,
  setLinalgBackend,
  threadsSupported,
} from '@lowrank/linalg';
import { afterAll, describe, expect, it } from 'vitest';
import { pcpResidualOnThreads, pcpStartOnThreads, pcpUpdateOnThreads } from './pcp-passes-threaded.js';

const shrink = (v: number, t: number) => (v > t ? v - t : v < -t ? v + t : 0);

/** Four kernel matrices of one odd length (so the scalar tail runs), filled deterministically. */
function operands(length: number) {
  const make = (seed: number) => {
    const m = allocateKernelMatrix(1, length);
    for (let i = 0; i < length; i++) m.data[i] = Math.sin(i * 0.37 + seed) * (1 + (i % 5));
    return m;
  };
  return { d: make(1), a: make(2), e: make(3), t: make(4) };
}

describe.runIf(threadsSupported())('robust PCA element-wise passes on WebAssembly threads', () => {
  afterAll(() => setLinalgBackend('auto'));

  for (const threads of [2, 3]) {
    it(`match the per-entry formulas exactly and their sums to 1e-13 (${threads} threads, odd length, 3 units)`, () => {
      setLinalgBackend('wasm', { threads });
      const length = 140_001;
      const o = operands(length);
      const all = Object.values(o);
      expect(all.every(isKernelMatrix)).toBe(true);
      const copy = (m: { data: Float64Array }) => Float64Array.from(m.data);
      const [d, a, e0, t0] = [copy(o.d), copy(o.a), copy(o.e), copy(o.t)];
      let expectedSquared = 0;
      for (let k = 0; k < length; k++) expectedSquared += (d[k]! - a[k]! - e0[k]!) ** 2;

      const squared = pcpResidualOnThreads(o.d.data, o.a.data, o.e.data);
      expect(Math.abs(squared! - expectedSquared)).toBeLessThan(1e-13 * expectedSquared);
      expect(o.e.data).toEqual(e0); // read only

      const scale = 1 / 1.5;
      const threshold = 1.1;
      const update = pcpUpdateOnThreads(o.d.data, o.a.data, o.e.data, o.t.data, scale, threshold);
      let nonZeros = 0;
      let mismatches = 0;
      for (let k = 0; k < length; k++) {
        const ys = (t0[k]! - a[k]!) * scale;
        const ek = shrink(d[k]! - a[k]! + ys, threshold);
        if (ek !== 0) nonZeros++;
        if (o.e.data[k] !== ek || o.t.data[k] !== d[k]! - ek + ys) mismatches++;
      }
      expect(mismatches).toBe(0);
      expect(update!.nonZeros).toBe(nonZeros);
      expect(nonZeros).toBeGreaterThan(length / 10);
      expect(nonZeros).toBeLessThan(length);
      expect(Math.abs(update!.residualSquared - expectedSquared)).toBeLessThan(1e-13 * expectedSquared);
      for (const m of all) releaseKernelMatrix(m);
    });
  }

  it('start: copies D into T and returns its squared norm and largest |entry|, NaN-aware, on 2 threads', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const length = 140_001;
    const o = operands(length);
    let squared = 0;
    let largest = 0;
    for (const v of o.d.data) {
      squared += v * v;
      largest = Math.max(largest, Math.abs(v));
    }
    const r = pcpStartOnThreads(o.d.data, o.t.data);
    expect(o.t.data).toEqual(o.d.data);
    expect(r!.maxAbs).toBe(largest);
    expect(Math.abs(r!.frobeniusSquared - squared)).toBeLessThan(1e-13 * squared);
    // A NaN in a vector lane, in the second unit, and in the last unit's scalar tail.
    for (const at of [1, 70_001, length - 1]) {
      const saved = o.d.data[at]!;
      o.d.data[at] = Number.NaN;
      expect(pcpStartOnThreads(o.d.data, o.t.data)!.maxAbs).toBeNaN();
      o.d.data[at] = saved;
    }
    for (const m of Object.values(o)) releaseKernelMatrix(m);
  });

  it('sums unit by unit in a fixed order: the same bits on 2 and 3 threads', () => {
    const results: number[] = [];
    for (const threads of [2, 3]) {
      setLinalgBackend('wasm', { threads });
      const o = operands(300_001);
      results.push(pcpResidualOnThreads(o.d.data, o.a.data, o.e.data)!);
      results.push(pcpUpdateOnThreads(o.d.data, o.a.data, o.e.data, o.t.data, 0.5, 0.3)!.residualSquared);
      for (const m of Object.values(o)) releaseKernelMatrix(m);
    }
    expect(results[2]).toBe(results[0]);
    expect(results[3]).toBe(results[1]);
  });

  it('declines (returns null, touching nothing) when an operand is an ordinary array', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const o = operands(64);
    const ordinary = new Float64Array(64).fill(7);
    expect(pcpUpdateOnThreads(o.d.data, o.a.data, ordinary, o.t.data, 1, 1)).toBeNull();
    expect(ordinary.every((v) => v === 7)).toBe(true);
    setLinalgBackend('wasm', { threads: 1 });
    expect(pcpResidualOnThreads(o.d.data, o.a.data, o.e.data)).toBeNull();
    for (const m of Object.values(o)) releaseKernelMatrix(m);
  });
});
