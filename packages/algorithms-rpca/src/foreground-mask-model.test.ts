import { createRng, InvalidInputError, InvalidOptionError, videoMatrixFrom } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { ForegroundMaskModel, type MaskRuleOptions, resolveMaskRules } from './foreground-mask-model.js';
import { foregroundMasks } from './foreground-masks.js';

const W = 24;
const H = 16;

/** Sets S = value on the rectangle [x0, x1) x [y0, y1) of a W x H frame. */
function rect(
  frame: Float64Array,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  value: number,
  channels = 1,
) {
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++)
      for (let c = 0; c < channels; c++) frame[(y * W + x) * channels + c] = value;
}

function count(mask: Uint8Array, x0 = 0, y0 = 0, x1 = W, y1 = H): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (mask[y * W + x]) n++;
  return n;
}

/** Only one step on: everything else at its "off" value. */
const bare: MaskRuleOptions = {
  noiseMultiplier: 0,
  hysteresisLow: 1,
  maxHoleArea: 0,
  previousFactor: 1,
  flickerGain: 0,
  shadows: 'off',
  openingRadius: 0,
  minBlobArea: 0,
};

describe('ForegroundMaskModel steps on hand-made frames', () => {
  it('hole filling: a ring with a hole becomes a solid blob', () => {
    const s = new Float64Array(W * H);
    rect(s, 4, 3, 14, 13, 0.5); // 10 x 10
    rect(s, 7, 6, 11, 10, 0); // 4 x 4 hole: the ring is 3 pixels wide, so the 3x3 opening keeps it
    const ring = new ForegroundMaskModel({ width: W, height: H }, { maxHoleArea: 0 }).push(s);
    expect(count(ring)).toBe(100 - 16);
    expect(count(ring, 7, 6, 11, 10)).toBe(0);
    const filled = new ForegroundMaskModel({ width: W, height: H }).push(s);
    expect(count(filled)).toBe(100);
    expect(count(filled, 4, 3, 14, 13)).toBe(100);
  });

  it('hysteresis: a weak pixel connected to a strong seed is kept, an isolated weak one is not', () => {
    // Threshold 0.06 (the floor); weak pixels at 0.05 are above 0.7 x 0.06 = 0.042.
    const s = new Float64Array(W * H);
    rect(s, 2, 2, 8, 8, 0.05); // a low-contrast object...
    rect(s, 4, 4, 6, 6, 0.5); // ...with a strong core
    rect(s, 14, 5, 20, 11, 0.05); // a weak region with no strong pixel
    s[14 * W + 22] = 0.05; // a weak pixel with no seed
    const grown = new ForegroundMaskModel({ width: W, height: H }, { ...bare, hysteresisLow: 0.7 }).push(s);
    expect(count(grown)).toBe(36);
    expect(count(grown, 2, 2, 8, 8)).toBe(36);
    const seedsOnly = new ForegroundMaskModel({ width: W, height: H }, bare).push(s);
    expect(count(seedsOnly)).toBe(4);
    expect(count(seedsOnly, 4, 4, 6, 6)).toBe(4);
  });

  it('hysteresis grows a seed only into weak pixels of its own sign (a ghost of opposite sign stays out)', () => {
    const s = new Float64Array(W * H);
    rect(s, 4, 4, 8, 8, -0.5); // a dark object
    rect(s, 8, 4, 12, 8, 0.05); // a faint bright halo beside it
    const options = { ...bare, hysteresisLow: 0.7 };
    const model = new ForegroundMaskModel({ width: W, height: H }, options);
    expect(count(model.push(s))).toBe(16);
    const anySign = new ForegroundMaskModel(
      { width: W, height: H },
      { ...options, hysteresisSameSign: false },
    );
    expect(count(anySign.push(s))).toBe(32);
  });

  it('temporal consistency: a flickering blob is suppressed after a few toggles, a moving one is not', () => {
    const options = { ...bare, flickerGain: 4 };
    const model = new ForegroundMaskModel({ width: W, height: H }, options);
    const detectedFlicker: number[] = [];
    for (let f = 0; f < 30; f++) {
      const s = new Float64Array(W * H);
      if (f % 2 === 0) rect(s, 2, 2, 6, 6, 0.15); // on every other frame
      const x = f % (W - 10);
      rect(s, 8 + x, 10, 12 + x, 14, 0.15); // moves one pixel per frame
      const mask = model.push(s);
      expect(count(mask, 8 + x, 10, 12 + x, 14)).toBe(16);
      if (f % 2 === 0) detectedFlicker.push(count(mask, 2, 2, 6, 6));
    }
    // Threshold 0.06 x (1 + 4 r) exceeds 0.15 once the toggle rate r = 1 - 0.9^t passes 0.375: t = 5
    // toggles, so frames 0, 2 and 4 are detected and every "on" frame from 6 on is not.
    expect(detectedFlicker).toEqual([16, 16, 16, ...new Array(12).fill(0)]);
  });

  it('temporal consistency: a pixel that was foreground keeps a lower threshold in the next frame', () => {
    const options = { ...bare, previousFactor: 0.7 };
    const model = new ForegroundMaskModel({ width: W, height: H }, options);
    const first = new Float64Array(W * H);
    rect(first, 2, 2, 6, 6, 0.5);
    model.push(first);
    // Both blocks at 0.05: below the threshold 0.06, above 0.7 x 0.06.
    const second = new Float64Array(W * H);
    rect(second, 2, 2, 6, 6, 0.05);
    rect(second, 12, 2, 16, 6, 0.05);
    const mask = model.push(second);
    expect(count(mask, 2, 2, 6, 6)).toBe(16);
    expect(count(mask, 12, 2, 16, 6)).toBe(0);
  });

  it('per-pixel noise: swaying leaves are learned as background, a passing car of the same contrast is not', () => {
    const frames = 60;
    const rng = createRng(3);
    const data = new Float64Array(frames * W * H);
    const car = new Uint8Array(frames * W * H);
    for (let f = 0; f < frames; f++) {
      const s = data.subarray(f * W * H, (f + 1) * W * H);
      // Leaves: |S| between 0.1 and 0.2, random sign, on a 6 x 6 patch, every frame.
      for (let y = 2; y < 8; y++)
        for (let x = 2; x < 8; x++) s[y * W + x] = (rng.next() < 0.5 ? -1 : 1) * (0.1 + 0.1 * rng.next());
      // A car: 0.15 on a 5 x 5 block crossing the bottom half, right to left.
      const x0 = W - 5 - (f % (W - 4));
      rect(s, x0, 9, x0 + 5, 14, 0.15);
      for (let y = 9; y < 14; y++) for (let x = x0; x < x0 + 5; x++) car[f * W * H + y * W + x] = 1;
    }
    const video = videoMatrixFrom(data, { frames, width: W, height: H });
    // The leaves are one solid blob, called foreground in every frame, so they are learned at the
    // full rate here (noiseForegroundRate 1; the next test shows what the slower default protects),
    // and the level follows the median, which the car (over a pixel in 5 frames of 20) cannot move.
    const learned = foregroundMasks(video, { noiseForegroundRate: 1, noiseQuantile: 0.5 });
    const without = foregroundMasks(video, { noiseMultiplier: 0 });
    const tally = (masks: Uint8Array) => {
      let leaves = 0;
      let carFound = 0;
      for (let f = 0; f < frames; f++) {
        const m = masks.subarray(f * W * H, (f + 1) * W * H);
        leaves += count(m, 2, 2, 8, 8);
        for (let p = 0; p < W * H; p++) if (car[f * W * H + p] && m[p]) carFound++;
      }
      return { leaves, carFound };
    };
    expect(tally(without.data)).toEqual({ leaves: frames * 36, carFound: frames * 25 });
    expect(tally(learned.data)).toEqual({ leaves: 0, carFound: frames * 25 });
  });

  it('per-pixel noise: a car that stops is not learned as noise while the mask calls it foreground', () => {
    // A car drives in (frames 0-9), stands still for 40 frames, then leaves.
    const frames = 60;
    const data = new Float64Array(frames * W * H);
    const xOf = (f: number) => (f < 10 ? 2 * f : f < 50 ? 18 : 18 + (f - 49));
    for (let f = 0; f < frames; f++) {
      const x = xOf(f);
      if (x + 4 <= W) rect(data.subarray(f * W * H, (f + 1) * W * H), x, 6, x + 4, 11, 0.15);
    }
    const video = videoMatrixFrom(data, { frames, width: W, height: H });
    const stoppedFramesFound = (masks: Uint8Array) => {
      let n = 0;
      for (let f = 10; f < 50; f++)
        if (count(masks.subarray(f * W * H, (f + 1) * W * H), 18, 6, 22, 11) === 20) n++;
      return n;
    };
    expect(stoppedFramesFound(foregroundMasks(video).data)).toBe(40);
    // Learning at full speed on foreground too, its level climbs past the car's |S| within ~20 frames.
    expect(stoppedFramesFound(foregroundMasks(video, { noiseForegroundRate: 1 }).data)).toBeLessThan(10);
  });

  it('shadows: a darker patch of unchanged chroma beside a car is background, the car is not', () => {
    const background = [0.5, 0.6, 0.4];
    const input = new Float64Array(W * H * 3);
    for (let p = 0; p < W * H; p++) input.set(background, 3 * p);
    const paint = (x0: number, y0: number, x1: number, y1: number, rgb: number[]) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) input.set(rgb, 3 * (y * W + x));
    };
    paint(4, 3, 12, 9, [0.1, 0.2, 0.7]); // a blue car
    paint(
      4,
      9,
      14,
      13,
      background.map((v) => 0.6 * v),
    ); // its shadow on the road
    const sparse = input.map((v, k) => v - background[k % 3]!); // S = input - background (colour S)
    const frame = { width: W, height: H, sparseChannels: 3, inputChannels: 3 };
    const withShadows = new ForegroundMaskModel(frame, { shadows: 'auto' }).push(sparse, input);
    expect(count(withShadows, 4, 3, 12, 9)).toBe(48);
    expect(count(withShadows, 4, 9, 14, 13)).toBe(0);
    const kept = new ForegroundMaskModel(frame, { shadows: 'off' }).push(sparse, input);
    expect(count(kept, 4, 9, 14, 13)).toBe(40);
  });
});

describe('ForegroundMaskModel as a stream', () => {
  it('gives the batch masks when its frames are pushed one at a time (no learning pass)', () => {
    const frames = 12;
    const rng = createRng(8);
    const data = new Float64Array(frames * W * H);
    for (let k = 0; k < data.length; k++) data[k] = 0.03 * rng.normal();
    for (let f = 0; f < frames; f++) rect(data.subarray(f * W * H), f, 4, f + 6, 10, 0.4);
    const video = videoMatrixFrom(data, { frames, width: W, height: H });
    const batch = foregroundMasks(video, { learningPass: false });
    const model = new ForegroundMaskModel({ width: W, height: H });
    for (let f = 0; f < frames; f++) {
      const mask = model.push(data.subarray(f * W * H, (f + 1) * W * H));
      expect(mask).toEqual(batch.data.subarray(f * W * H, (f + 1) * W * H));
    }
    expect(model.frames).toBe(frames);
  });

  it('refuses bad options by name and frames of the wrong size', () => {
    expect(() => resolveMaskRules({ hysteresisLow: 1.5 })).toThrow(/hysteresisLow/);
    expect(() => resolveMaskRules({ noiseQuantile: 1 })).toThrow(/noiseQuantile/);
    expect(() => resolveMaskRules({ shadows: 'yes' as never })).toThrow(InvalidOptionError);
    expect(() => resolveMaskRules({ shadowMinBrightness: 0.95 })).toThrow(/shadowMinBrightness/);
    expect(() => resolveMaskRules({ hysteresisSameSign: 1 as never })).toThrow(/hysteresisSameSign/);
    expect(() => new ForegroundMaskModel({ width: 0, height: 2 })).toThrow(/width/);
    expect(
      () => new ForegroundMaskModel({ width: 2, height: 2, sparseChannels: 3, inputChannels: 1 }),
    ).toThrow(/inputChannels/);
    const model = new ForegroundMaskModel({ width: 4, height: 2, inputChannels: 1 });
    expect(() => model.push(new Float64Array(7), new Float64Array(8))).toThrow(InvalidInputError);
    expect(() => model.push(new Float64Array(8))).toThrow(/input frame/);
  });
});

describe('ForegroundMaskModel fused passes', () => {
  /** A stream of S frames: noise, a mover, a flickering patch, a shaking edge (values per channel). */
  function stream(frames: number, channels: number, seed: number, float32: boolean) {
    const rng = createRng(seed);
    const out: (Float32Array | Float64Array)[] = [];
    for (let f = 0; f < frames; f++) {
      const s = float32 ? new Float32Array(W * H * channels) : new Float64Array(W * H * channels);
      // Noise whose median |S| falls on both sides of where the 'mad' threshold leaves its floor.
      const level = 0.008 + 0.004 * (f % 5);
      for (let k = 0; k < s.length; k++) s[k] = level * rng.normal() * (k % 7 === 0 ? 4 : 1);
      rect(s as Float64Array, f % (W - 6), 3, (f % (W - 6)) + 6, 9, 0.3 * (f % 3 === 0 ? -1 : 1), channels);
      if (f % 2) rect(s as Float64Array, 18, 10, 22, 14, 0.12, channels);
      for (let y = 0; y < H; y++) s[(y * W + 14) * channels] = 0.1 * Math.sin(f + y);
      out.push(s);
    }
    return out;
  }

  const variants: [string, MaskRuleOptions][] = [
    ['defaults', {}],
    ['flicker on', { flickerGain: 1 }],
    ['rms colour', { colorMagnitude: 'rms' }],
    ['std rule, sign-blind hysteresis', { rule: 'std', hysteresisSameSign: false }],
    ['absolute, no hysteresis, opening radius 2', { rule: 'absolute', hysteresisLow: 1, openingRadius: 2 }],
    ['every step off', bare],
    ['small holes only, noise median', { maxHoleArea: 6, noiseQuantile: 0.5, minBlobArea: 4 }],
  ];

  it('gives the step-by-step masks to the bit, gray and colour, float32 and float64, with raised noise levels', () => {
    for (const channels of [1, 3])
      for (const float32 of [false, true])
        for (const [name, options] of variants)
          for (const shadows of [false, true]) {
            const frames = stream(24, channels, 11 + channels, float32);
            const shape = {
              width: W,
              height: H,
              sparseChannels: channels,
              ...(shadows ? { inputChannels: channels } : {}),
            };
            const rules: MaskRuleOptions = { ...options, ...(shadows ? { shadows: 'on' } : {}) };
            const fused = new ForegroundMaskModel(shape, rules);
            const steps = new ForegroundMaskModel(shape, rules, 'steps');
            const floor = new Float64Array(W * H * channels);
            let foreground = 0;
            frames.forEach((s, f) => {
              // Input: a mid-gray background plus S (so shadows are judged on real colours).
              const input = shadows ? Float64Array.from(s, (v) => 0.5 + v) : undefined;
              if (f >= 10) {
                for (let k = 0; k < floor.length; k++) floor[k] = 0.01 + 0.02 * ((k + f) % 5);
                fused.raiseNoiseLevels(floor);
                steps.raiseNoiseLevels(floor);
              }
              const a = fused.push(s, input);
              const b = steps.push(s, input);
              let differ = 0;
              for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) differ++;
              expect({ name, channels, float32, shadows, f, differ }).toEqual({
                name,
                channels,
                float32,
                shadows,
                f,
                differ: 0,
              });
              expect(fused.lastThreshold).toBe(steps.lastThreshold);
              foreground += count(a);
            });
            // Not a vacuous comparison: the masks hold much of the mover (36 pixels a frame).
            expect(foreground).toBeGreaterThan(200);
          }
  });

  it('writes into the given array and allocates nothing else per frame', () => {
    const model = new ForegroundMaskModel({ width: W, height: H });
    const out = new Uint8Array(W * H);
    const s = new Float32Array(W * H);
    rect(s as unknown as Float64Array, 4, 4, 10, 10, 0.5);
    expect(model.push(s, undefined, out)).toBe(out);
    expect(count(out)).toBe(36);
  });

  it("the separator's noise levels start and lift the model's: a noisy pixel's threshold is raised from the first frame", () => {
    const s = new Float64Array(W * H);
    rect(s, 2, 2, 8, 8, 0.2);
    rect(s, 12, 2, 18, 8, 0.2);
    const sigmas = new Float64Array(W * H).fill(0.001);
    rect(sigmas, 12, 2, 18, 8, 0.1); // 3 x 0.1 > 0.2 there
    const model = new ForegroundMaskModel({ width: W, height: H });
    model.raiseNoiseLevels(sigmas);
    const mask = model.push(s);
    expect(count(mask, 2, 2, 8, 8)).toBe(36);
    expect(count(mask, 12, 2, 18, 8)).toBe(0);
    // Without them the first frame has the frame threshold only: both blocks are foreground.
    expect(count(new ForegroundMaskModel({ width: W, height: H }).push(s))).toBe(72);
    expect(() => model.raiseNoiseLevels(new Float64Array(3))).toThrow(InvalidInputError);
  });
});
