import { describe, expect, it } from 'vitest';
import { TemporalConsistency } from './temporal-consistency.js';

describe('TemporalConsistency', () => {
  it('lowers the threshold where the previous frame was foreground', () => {
    const temporal = new TemporalConsistency(3, 0.7, 0, 0.1);
    expect([temporal.factor(0), temporal.factor(1), temporal.factor(2)]).toEqual([1, 1, 1]);
    temporal.learn([255, 0, 255], [1, 0, 1]);
    expect([temporal.factor(0), temporal.factor(1), temporal.factor(2)]).toEqual([0.7, 1, 0.7]);
    temporal.learn([0, 0, 255], [0, 0, 1]);
    expect([temporal.factor(0), temporal.factor(1), temporal.factor(2)]).toEqual([1, 1, 0.7]);
  });

  it('raises the threshold of a flickering pixel by its toggle rate, not of a steady or a passing one', () => {
    // Pixel 0's evidence flickers (on, off, on, ...) even after the mask drops it; pixel 1 is
    // steadily on; pixel 2 sees one object pass (on for frames 10-19).
    const rate = 0.1;
    const temporal = new TemporalConsistency(3, 1, 2, rate);
    for (let f = 0; f < 60; f++) {
      const evidence = [f % 2 ? 0 : 1, 1, f >= 10 && f < 20 ? 1 : 0];
      temporal.learn([f < 10 ? evidence[0]! : 0, 255, evidence[2]!], evidence);
    }
    // 59 toggles from a rate of 0: 1 - 0.9^59.
    const flicker = 1 - 0.9 ** 59;
    expect(temporal.flicker[0]).toBeCloseTo(flicker, 12);
    expect(temporal.factor(0)).toBeCloseTo(1 + 2 * flicker, 12);
    expect(temporal.factor(1)).toBe(1);
    // Two toggles (frames 10 and 20), decayed by 0.9 per frame since: 0.1 x 0.9^49 + 0.1 x 0.9^39.
    const passing = rate * 0.9 ** 49 + rate * 0.9 ** 39;
    expect(temporal.flicker[2]).toBeCloseTo(passing, 12);
    expect(temporal.factor(2)).toBeLessThan(1.01);
  });
});
