import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';

describe('seeded random numbers', () => {
  it('repeat for a seed and differ across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and normals with mean 0 and variance 1', () => {
    const rng = createRng(7);
    const n = 200_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard error of the mean is sqrt(1/12/n) ~ 6.5e-4: allow 5 of them.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(3.3e-3);
    const z = new Float64Array(n);
    rng.fillNormal(z);
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.012);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});
