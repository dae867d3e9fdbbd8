import { matrixFrom, videoMatrixFrom } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import {
  absQuantile,
  contrastNormalize,
  separationComposite,
  sideBySide,
  videoFrame,
  videoMatrixPicture,
} from './matrix-pictures.js';

describe('matrix pictures', () => {
  it('videoMatrixPicture: pixels down, frames across, pixel bands averaged', () => {
    // 2 frames x 4 pixels; frame f pixel p = f + p / 10.
    const video = matrixFrom(2, 4, new Float64Array([0, 0.1, 0.2, 0.3, 1, 1.1, 1.2, 1.3]));
    const picture = videoMatrixPicture(video, { height: 2 });
    expect([picture.rows, picture.cols]).toEqual([2, 2]);
    const expected = [0.05, 1.05, 0.25, 1.25];
    Array.from(picture.data).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 12);
    });
    // Frames binned too when there are more than maxWidth.
    const binned = videoMatrixPicture(video, { height: 4, maxWidth: 1 });
    expect(Array.from(binned.data).map((v) => Number(v.toFixed(12)))).toEqual([0.5, 0.6, 0.7, 0.8]);
  });

  it('contrastNormalize maps |S| by a quantile, or signed around gray', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : -1) * (i / 1000));
    const s = matrixFrom(1, 1000, Float64Array.from(values));
    const q = absQuantile(s.data, 0.5);
    expect(q).toBeGreaterThan(0.49);
    expect(q).toBeLessThan(0.51);
    const abs = contrastNormalize(s, { percentile: 0.5 });
    expect(abs.data[100]).toBeCloseTo(0.1 / q, 12);
    expect(abs.data[999]).toBe(1);
    const signed = contrastNormalize(s, { mode: 'signed', percentile: 0.5 });
    expect(signed.data[100]).toBeCloseTo(0.5 - 0.1 / (2 * q), 12);
    expect(signed.data[0]).toBe(0.5);
  });

  it('sideBySide and separationComposite lay out original | L | S | mask with gaps', () => {
    const frames = 2;
    const original = videoMatrixFrom(new Float64Array(frames * 6).fill(0.25), {
      frames,
      width: 3,
      height: 2,
    });
    const lowRank = matrixFrom(frames, 6, new Float64Array(frames * 6).fill(0.5));
    const sparse = matrixFrom(frames, 6, new Float64Array(frames * 6).fill(-0.1));
    const mask = matrixFrom(frames, 6, new Float64Array(frames * 6).fill(1));
    const figure = separationComposite({ original, lowRank, sparse, mask }, 1, { gap: 1 });
    expect([figure.rows, figure.cols]).toEqual([2, 3 * 4 + 3]);
    expect(Array.from(figure.data.subarray(0, 15))).toEqual([
      0.25, 0.25, 0.25, 1, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(videoFrame(original, 1).data.length).toBe(6);
    const fixed = separationComposite({ original, sparse }, 0, { gap: 0, sparseScale: 0.4 });
    expect(Array.from(fixed.data.subarray(3, 6))).toEqual([0.25, 0.25, 0.25]);
    const signed = separationComposite({ original, sparse }, 0, {
      gap: 0,
      sparseScale: 0.2,
      sparseMode: 'signed',
    });
    expect(signed.data[3]).toBeCloseTo(0.25, 12);
    expect(() =>
      sideBySide([matrixFrom(1, 1, new Float64Array(1)), matrixFrom(2, 1, new Float64Array(2))]),
    ).toThrow(/share a height/);
  });
});
