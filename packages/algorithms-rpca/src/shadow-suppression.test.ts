import { describe, expect, it } from 'vitest';
import { LUMA_WEIGHTS } from './luminance.js';
import { ShadowSuppression } from './shadow-suppression.js';

const bounds = { minBrightness: 0.4, maxBrightness: 0.9, maxChromaDistortion: 0.04 };
const luma = (r: number, g: number, b: number) =>
  LUMA_WEIGHTS.r * r + LUMA_WEIGHTS.g * g + LUMA_WEIGHTS.b * b;

/** Four pixels over the same greenish-gray background (0.5, 0.6, 0.4). */
const background = [0.5, 0.6, 0.4];
const cases = {
  // A hard shadow: the background at 60% brightness, same chroma.
  shadow: background.map((v) => 0.6 * v),
  // As dark, but bluish: a dark object, not a shadow.
  darkObject: [0.2, 0.25, 0.4],
  // Brighter than the background: never a shadow.
  brighter: background.map((v) => 1.2 * v),
  // Far too dark to be a shadow (a black car): below minBrightness.
  black: background.map((v) => 0.2 * v),
};
const input = Object.values(cases).flat();

describe('ShadowSuppression', () => {
  it('colour S: marks the darker pixel of unchanged chroma only', () => {
    // S = input - background in every channel.
    const sparse = input.map((v, k) => v - background[k % 3]!);
    const shadows = new ShadowSuppression(4, 3, 3, bounds, 0.05);
    const out = new Uint8Array(4);
    shadows.detect(input, sparse, out);
    expect(Array.from(out)).toEqual([1, 0, 0, 0]);
  });

  it('gray S with colour input: takes the chroma from the running background colour', () => {
    // Frame 0 shows the empty background; frame 1 the four cases. S is the luminance difference.
    const shadows = new ShadowSuppression(4, 3, 1, bounds, 0.05);
    const empty = [...background, ...background, ...background, ...background];
    const out = new Uint8Array(4);
    shadows.detect(empty, new Float64Array(4), out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    shadows.learn(empty, new Uint8Array(4));
    const backgroundLuma = luma(background[0]!, background[1]!, background[2]!);
    const sparse = Object.values(cases).map(([r, g, b]) => luma(r!, g!, b!) - backgroundLuma);
    shadows.detect(input, sparse, out);
    expect(Array.from(out)).toEqual([1, 0, 0, 0]);
  });

  it('gray input: brightness alone (a dark object of the right brightness passes too)', () => {
    const gray = [0.6 * 0.5, 0.5 * 0.5, 1.2 * 0.5, 0.2 * 0.5];
    const sparse = gray.map((v) => v - 0.5);
    const shadows = new ShadowSuppression(4, 1, 1, bounds, 0.05);
    const out = new Uint8Array(4);
    shadows.detect(gray, sparse, out);
    expect(Array.from(out)).toEqual([1, 1, 0, 0]);
  });

  it('never calls a pixel over a near-black background a shadow', () => {
    const shadows = new ShadowSuppression(1, 3, 3, bounds, 0.05);
    const out = new Uint8Array(1);
    const dark = [0.02, 0.02, 0.02];
    shadows.detect(
      dark.map((v) => 0.6 * v),
      dark.map((v) => -0.4 * v),
      out,
    );
    expect(out[0]).toBe(0);
  });
});
