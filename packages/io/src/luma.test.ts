import { describe, expect, it } from 'vitest';
import { LUMA_WEIGHTS, lumaFromRgb } from './luma.js';

describe('lumaFromRgb', () => {
  it('gives BT.601 luma rounded to the 8-bit scale', () => {
    const rgb = new Uint8Array([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30]);
    const out = new Float64Array(6);
    lumaFromRgb(rgb, 6, out, 255);
    const expected = [255, 0, 76, 150, 29, Math.round(0.299 * 10 + 0.587 * 200 + 0.114 * 30)];
    expect(Array.from(out, (v) => Math.round(v * 255))).toEqual(expected);
    expect(out[2]).toBe(76 / 255);
  });

  it('equals the formula on all 2^24 8-bit RGB triples (the fast path rounds by truncating sum + 0.5)', () => {
    const pixels = 1 << 24;
    const rgb = new Uint8Array(pixels * 3);
    for (let p = 0; p < pixels; p++) {
      rgb[3 * p] = p >>> 16;
      rgb[3 * p + 1] = (p >>> 8) & 255;
      rgb[3 * p + 2] = p & 255;
    }
    const fast = new Float64Array(pixels);
    lumaFromRgb(rgb, pixels, fast, 255);
    let mismatches = 0;
    for (let p = 0; p < pixels; p++) {
      const y = Math.round(
        LUMA_WEIGHTS.r * rgb[3 * p]! + LUMA_WEIGHTS.g * rgb[3 * p + 1]! + LUMA_WEIGHTS.b * rgb[3 * p + 2]!,
      );
      if (fast[p] !== y / 255) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('reads 8-bit samples through its tables bit-identically to the formula, in float64 and float32', () => {
    // Every gray level, the corners of the cube, and random colours; stride 4 (RGBA) as well.
    const pixels = 256 + 8 + 4000;
    const rgba = new Uint8Array(pixels * 4);
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 256;
    };
    for (let p = 0; p < pixels; p++) {
      const corner = p - 256;
      for (let c = 0; c < 3; c++)
        rgba[4 * p + c] = p < 256 ? p : corner < 8 ? ((corner >> c) & 1) * 255 : next();
      rgba[4 * p + 3] = 255;
    }
    for (const Out of [Float64Array, Float32Array]) {
      const fast = new Out(pixels);
      const formula = new Out(pixels);
      lumaFromRgb(rgba, pixels, fast, 255, 4);
      lumaFromRgb(Array.from(rgba), pixels, formula, 255, 4); // a plain array takes the general loop
      expect(fast).toEqual(formula);
      for (let p = 0; p < pixels; p++) {
        const [r, g, b] = [rgba[4 * p]!, rgba[4 * p + 1]!, rgba[4 * p + 2]!];
        const y = Math.round(LUMA_WEIGHTS.r * r + LUMA_WEIGHTS.g * g + LUMA_WEIGHTS.b * b);
        expect(fast[p]).toBe(Out === Float64Array ? y / 255 : Math.fround(y / 255));
      }
    }
  });
});
