import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { gaussianAbsQuantile, PixelNoiseLevel } from './pixel-noise-level.js';

describe('gaussianAbsQuantile', () => {
  it('matches the normal distribution: 0.6745 for the median of |x|, 1.6449 for the 90th percentile', () => {
    expect(gaussianAbsQuantile(0.5)).toBeCloseTo(0.674489750196, 6);
    expect(gaussianAbsQuantile(0.9)).toBeCloseTo(1.644853626951, 6);
    expect(1 / gaussianAbsQuantile(0.5)).toBeCloseTo(1.4826, 4);
  });
});

describe('PixelNoiseLevel', () => {
  it("learns each pixel's median |S| and is not moved by a mover covering 30% of the frames", () => {
    // Pixel 0: |S| uniform on [0, 0.1] (median 0.05). Pixel 1: the same noise, but in 3 frames of
    // every 10 a car passes (|S| = 0.8); the mask never marks it, so only the median's robustness
    // protects the level. The levels are averaged over the last 2000 of 4000 frames (the estimate
    // keeps stepping by 2% around the median).
    const rng = createRng(5);
    const noise = new PixelNoiseLevel(2, 0.02, 1, 1e-6);
    const magnitude = new Float64Array(2);
    const mask = new Uint8Array(2);
    const mean = [0, 0];
    for (let f = 0; f < 4000; f++) {
      magnitude[0] = 0.1 * rng.next();
      magnitude[1] = f % 10 < 3 ? 0.8 : 0.1 * rng.next();
      noise.learn(magnitude, mask, 0.05);
      if (f >= 2000) for (let p = 0; p < 2; p++) mean[p]! += noise.level[p]! / 2000;
    }
    expect(mean[0]).toBeGreaterThan(0.047);
    expect(mean[0]).toBeLessThan(0.053);
    // The median of the mixture (70% uniform on [0, 0.1], 30% at 0.8) is 0.1 x (1 - 0.2 / 0.7) = 0.0714;
    // the mean |S| would be 0.275.
    expect(mean[1]).toBeGreaterThan(0.068);
    expect(mean[1]).toBeLessThan(0.075);
    expect(noise.sigma(0)).toBeCloseTo(noise.level[0]! / 0.674489750196, 6);
  });

  it('follows the chosen quantile, and learns slower where the mask says foreground', () => {
    const rng = createRng(9);
    const noise = new PixelNoiseLevel(2, 0.02, 0.1, 1e-6, 0.9);
    const magnitude = new Float64Array(2);
    const mask = Uint8Array.from([0, 255]);
    const trace: number[] = [];
    let mean = 0;
    for (let f = 0; f < 6000; f++) {
      magnitude[0] = rng.next();
      magnitude[1] = 1;
      noise.learn(magnitude, mask, 0.01);
      if (f === 99) trace.push(noise.level[1]!);
      if (f >= 3000) mean += noise.level[0]! / 3000;
    }
    // 90th percentile of uniform [0, 1].
    expect(mean).toBeGreaterThan(0.88);
    expect(mean).toBeLessThan(0.92);
    // Foreground steps are e^(2 x 0.02 x 0.9 x 0.1) per frame: 100 frames climb by e^0.36 only.
    expect(trace[0]).toBeCloseTo(0.01 * Math.exp(100 * 2 * 0.02 * 0.9 * 0.1), 10);
  });

  it('starts at the given level and never goes below minLevel', () => {
    const noise = new PixelNoiseLevel(1, 0.1, 1, 0.01);
    expect(noise.ready).toBe(false);
    noise.learn([0], undefined, 0.02);
    expect(noise.ready).toBe(true);
    expect(noise.level[0]).toBeCloseTo(0.02 * Math.exp(-0.1), 12);
    for (let f = 0; f < 50; f++) noise.learn([0], undefined, 0.02);
    expect(noise.level[0]).toBe(0.01);
  });
});
