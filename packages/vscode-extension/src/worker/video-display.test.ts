import { videoMatrixFrom } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { matrixPicture, toDisplayBytes, toMagnitudeBytes } from './video-display.js';

describe('display bytes', () => {
  it('maps [0, 1] to 0..255 with clamping and rounding', () => {
    expect(Array.from(toDisplayBytes(Float64Array.of(-0.2, 0, 0.5, 1, 1.7)))).toEqual([0, 0, 128, 255, 255]);
  });

  it('scales |S| so the 99.5th percentile of non-zero magnitudes is white', () => {
    // 1000 magnitudes 0.001..1 (and their negatives' sign ignored): the top 0.5% saturate.
    const values = Float64Array.from({ length: 1000 }, (_, k) => ((k % 2 ? -1 : 1) * (k + 1)) / 1000);
    const bytes = toMagnitudeBytes(values);
    expect(bytes[994]).toBe(255);
    expect(bytes[999]).toBe(255);
    expect(bytes[0]).toBe(Math.round((0.001 * 255) / 0.996));
    expect(toMagnitudeBytes(new Float64Array(4)).every((b) => b === 0)).toBe(true);
  });
});

describe('matrixPicture', () => {
  it('draws M (pixels x frames) with block averages', () => {
    // 4 frames of 2 x 2 pixels; frame f has every pixel = f / 4, pixel p adds p / 16.
    const data = Float64Array.from({ length: 16 }, (_, k) => Math.floor(k / 4) / 4 + (k % 4) / 16);
    const video = videoMatrixFrom(data, { frames: 4, width: 2, height: 2 });
    const full = matrixPicture(video, 10, 10);
    expect([full.width, full.height]).toEqual([4, 4]);
    // Row = pixel, column = frame.
    expect(full.pixels[1 * 4 + 2]).toBe(Math.round((2 / 4 + 1 / 16) * 255));
    const small = matrixPicture(video, 2, 2);
    expect([small.width, small.height]).toEqual([2, 2]);
    // Top-left block: frames 0..1, pixels 0..1: mean of 0, 1/16, 1/4, 1/4 + 1/16.
    expect(small.pixels[0]).toBe(Math.round(((0 + 1 / 16 + 1 / 4 + 1 / 4 + 1 / 16) / 4) * 255));
  });
});
