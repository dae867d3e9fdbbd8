import { describe, expect, it } from 'vitest';
import { reconstruct } from './incremental-pcp-kernels.js';

describe('reconstruct', () => {
  it('gives X a, the sums in float64 stored as float32, for every rank (the unrolled ranks 1 to 3 too)', () => {
    const values = 37;
    const stride = 5;
    const basis = Float32Array.from({ length: values * stride }, (_, k) => Math.sin(k * 0.7) * 0.9);
    const coefficients = Float64Array.of(0.31, -1.7, 2.25, 0.5, -0.125);
    for (let rank = 1; rank <= stride; rank++) {
      const out = new Float32Array(values);
      reconstruct(basis, stride, rank, coefficients, out);
      const expected = new Float32Array(values);
      for (let k = 0; k < values; k++) {
        let sum = 0;
        for (let i = 0; i < rank; i++) sum += basis[k * stride + i]! * coefficients[i]!;
        expected[k] = sum;
      }
      expect(out).toEqual(expected);
    }
  });
});
