import { createRng } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { openStreamingRpca } from './streaming-rpca.js';
import { parkedCarStream, plantedStream } from './test-streams.js';

function relativeError(estimate: ArrayLike<number>, truth: ArrayLike<number>): number {
  let error = 0;
  let norm = 0;
  for (let k = 0; k < truth.length; k++) {
    error += (estimate[k]! - truth[k]!) ** 2;
    norm += truth[k]! ** 2;
  }
  return Math.sqrt(error / norm);
}

describe('incremental PCP (streaming-rpca)', () => {
  it('tracks a slowly changing rank-2 background within 1.5% from frame 50 on, and finds every mover', () => {
    const stream = plantedStream(300);
    const frame = { width: stream.width, height: stream.height, channels: 1 };
    const worstError = (rank: number) => {
      const separation = openStreamingRpca(frame, { rank });
      let worst = 0;
      let detected = 0;
      let movers = 0;
      let falseAlarms = 0;
      stream.frames.forEach((input, t) => {
        const out = separation.push(input);
        // background() is the model's background of the frame just separated.
        if (t >= 50) worst = Math.max(worst, relativeError(separation.background(), stream.backgrounds[t]!));
        for (const f of out) {
          const truth = stream.movers[f.index]!;
          for (let k = 0; k < truth.length; k++) {
            if (truth[k]) {
              movers++;
              if (f.sparse[k] !== 0) detected++;
            } else if (f.sparse[k] !== 0) falseAlarms++;
          }
        }
      });
      return { worst, recall: detected / movers, falseAlarmRate: falseAlarms / (300 * 3072 - movers) };
    };
    const tracked = worstError(3);
    expect(tracked.worst).toBeLessThan(0.015);
    expect(tracked.recall).toBe(1);
    // Noise alone crosses 3 sigma on 0.27% of still pixels; the estimate's own noise adds a little.
    expect(tracked.falseAlarmRate).toBeLessThan(0.01);
    // A rank-1 background cannot follow the second lighting pattern: the check can fail.
    expect(worstError(1).worst).toBeGreaterThan(0.05);
  });

  it('follows a slow change of light without calling it foreground', () => {
    const rng = createRng(4);
    const width = 40;
    const height = 30;
    const separation = openStreamingRpca({ width, height, channels: 1 });
    let flagged = 0;
    for (let t = 0; t < 200; t++) {
      // 40% brighter over 200 frames: 0.2% a frame, a fifth of the noise.
      const light = 1 + (0.4 * t) / 200;
      const frame = Float64Array.from(
        { length: width * height },
        (_, k) => light * (0.2 + (0.3 * (k % width)) / width) + 0.01 * rng.normal(),
      );
      for (const f of separation.push(frame)) for (const v of f.sparse) if (v !== 0) flagged++;
    }
    // Only noise beyond 3 sigma: well under 1% of the 240 000 values.
    expect(flagged / (200 * width * height)).toBeLessThan(0.01);
  });

  it('absorbs a lasting change (a parked car leaving) at the rate halfLife sets', () => {
    const leavesAt = 100;
    const stream = parkedCarStream(400, leavesAt);
    const frame = { width: stream.width, height: stream.height, channels: 1 };
    const run = (halfLife: number) => {
      const separation = openStreamingRpca(frame, { halfLife });
      let foregroundUntil = -1;
      let settledFrom = -1;
      stream.frames.forEach((input, t) => {
        const out = separation.push(input);
        for (const f of out) {
          if (f.index < leavesAt) continue;
          let flagged = 0;
          for (let k = 0; k < input.length; k++) if (stream.inCar(k) && f.sparse[k] !== 0) flagged++;
          if (flagged > 50) foregroundUntil = f.index - leavesAt; // most of the 100 pixels
        }
        if (t >= leavesAt) {
          const b = separation.background();
          let worst = 0;
          for (let k = 0; k < input.length; k++)
            if (stream.inCar(k)) worst = Math.max(worst, Math.abs(b[k]! - stream.background[k]!));
          if (worst > 0.03) settledFrom = t + 1 - leavesAt;
        }
      });
      return { foregroundUntil, settledFrom };
    };
    for (const halfLife of [10, 40]) {
      const { foregroundUntil, settledFrom } = run(halfLife);
      // The revealed road is foreground for at most 1.2 half-lives, and in the background (within
      // 0.03 everywhere) after at most 3 half-lives.
      expect(foregroundUntil, `halfLife ${halfLife}`).toBeLessThanOrEqual(1.2 * halfLife);
      expect(settledFrom, `halfLife ${halfLife}`).toBeLessThanOrEqual(3 * halfLife);
      // ...and not much sooner: the rate is the one asked for.
      expect(foregroundUntil, `halfLife ${halfLife}`).toBeGreaterThanOrEqual(0.5 * halfLife);
    }
  });

  it('learns a higher noise level where the background flickers, so flicker is not foreground', () => {
    const width = 40;
    const height = 30;
    const pixels = width * height;
    // Left half still (noise 0.01); right half flickers like leaves (noise 0.08).
    const flickers = (k: number) => k % width >= width / 2;
    // A long halfLife forgets slowly, but the levels are still learned at the start.
    for (const halfLife of [30, 1000]) {
      const rng = createRng(5);
      const separation = openStreamingRpca({ width, height, channels: 1 }, { halfLife });
      let flaggedLate = 0;
      for (let t = 0; t < 150; t++) {
        const frame = Float64Array.from(
          { length: pixels },
          (_, k) => 0.5 + (flickers(k) ? 0.08 : 0.01) * rng.normal(),
        );
        for (const f of separation.push(frame))
          if (f.index >= 60)
            for (let k = 0; k < pixels; k++) if (flickers(k) && f.sparse[k] !== 0) flaggedLate++;
      }
      const level = separation.noiseLevel();
      let still = 0;
      let flickering = 0;
      for (let k = 0; k < pixels; k++) {
        if (flickers(k)) flickering += level[k]! / (pixels / 2);
        else still += level[k]! / (pixels / 2);
      }
      // The levels land near the true standard deviations (the tracker's median is unbiased for
      // normal noise; it lags a few percent at most).
      expect(still, `halfLife ${halfLife}`).toBeGreaterThan(0.008);
      expect(still, `halfLife ${halfLife}`).toBeLessThan(0.012);
      expect(flickering, `halfLife ${halfLife}`).toBeGreaterThan(0.07);
      expect(flickering, `halfLife ${halfLife}`).toBeLessThan(0.09);
      // With one global threshold the flicker (8x the still noise) would be foreground everywhere.
      expect(flaggedLate / (90 * (pixels / 2)), `halfLife ${halfLife}`).toBeLessThan(0.02);
    }
  });
});
