import { createRng, InvalidInputError } from '@lowrank/core';
import { afterAll, describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { allocateKernelMatrix, releaseKernelMatrix } from './kernel-memory.js';
import { finiteSumOfSquares, sumOfSquares } from './sum-of-squares.js';
import { threadsSupported } from './threads-support.js';

/** The sum in exact (bigint) arithmetic of float32 values, which are multiples of 2^-149. */
function exactSumOfSquares(values: Float32Array): number {
  const scale = 2n ** 149n;
  let sum = 0n;
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < values.length; i++) {
    const bits = view.getUint32(4 * i, true);
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = BigInt((bits & 0x7fffff) | (exponent === 0 ? 0 : 0x800000));
    const units = mantissa << BigInt(Math.max(0, exponent - 1)); // value * 2^149
    sum += units * units;
  }
  return Number(sum / scale) / Number(scale); // exact up to the final rounding (values here are >= 2^-30)
}

describe('sumOfSquares', () => {
  afterAll(() => setLinalgBackend('auto'));

  it('is the sum of squares to float64 rounding (float32 and float64, awkward lengths)', () => {
    const rng = createRng(5);
    for (const length of [0, 1, 2, 3, 5, 65536, 65536 * 3 + 7]) {
      const values = new Float32Array(length);
      for (let i = 0; i < length; i++) values[i] = 0.25 + rng.next();
      const exact = exactSumOfSquares(values);
      expect(sumOfSquares(values)).toBeCloseTo(exact, 12 - Math.ceil(Math.log10(exact + 1)));
      expect(Math.abs(sumOfSquares(Float64Array.from(values)) - exact)).toBeLessThanOrEqual(1e-13 * exact);
    }
    expect(sumOfSquares({ rows: 1, cols: 3, data: new Float64Array([1, -2, 3]) })).toBe(14);
  });

  it.runIf(threadsSupported())(
    'gives the JavaScript sum to the bit on the threads (2 and 3), float32 and float64, in the kernel memory',
    () => {
      const rng = createRng(9);
      const length = 65536 * 5 + 3; // units of 65536: five whole ones and a tail of three
      for (const dtype of ['float32', 'float64'] as const) {
        setLinalgBackend('js');
        const plain = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
        for (let i = 0; i < length; i++) plain[i] = rng.normal();
        const expected = sumOfSquares(plain);
        for (const threads of [2, 3]) {
          setLinalgBackend('wasm', { threads });
          const m =
            dtype === 'float32'
              ? allocateKernelMatrix(1, length, dtype)
              : allocateKernelMatrix(1, length, dtype);
          try {
            m.data.set(plain);
            expect(sumOfSquares(m)).toBe(expected);
          } finally {
            releaseKernelMatrix(m);
          }
        }
      }
    },
  );

  it('finiteSumOfSquares: the sum, or the entry-by-entry error for NaN and infinities', () => {
    const m = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    expect(finiteSumOfSquares(m)).toBe(91);
    m.data[4] = Number.NaN;
    expect(() => finiteSumOfSquares(m, 'image')).toThrow(
      /image has a non-finite entry \(NaN\) at row 1, column 1/,
    );
    m.data[4] = Number.NEGATIVE_INFINITY;
    expect(() => finiteSumOfSquares(m)).toThrow(InvalidInputError);
    // Finite entries whose squares overflow: no error, and the sum says so.
    expect(finiteSumOfSquares({ rows: 1, cols: 2, data: new Float64Array([1e200, 1]) })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => finiteSumOfSquares({ rows: 0, cols: 3, data: new Float64Array(0) })).toThrow(/empty/);
  });
});
