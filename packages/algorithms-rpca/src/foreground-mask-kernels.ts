import type { HistogramMedian } from './histogram-median.js';
import type { PixelNoiseLevel } from './pixel-noise-level.js';
import type { TemporalConsistency } from './temporal-consistency.js';

/**
 * The per-pixel passes of ForegroundMaskModel, fused: the fast twin of its step-by-step code
 * (`implementation: 'steps'`), with the same arithmetic in the same order per pixel, so the masks
 * are the same bits (tests compare them). A gray frame is read straight from S (|S| is |v|, so no
 * magnitude array): a count for the frame's threshold, the thresholds, the learning, where the
 * steps make eight passes with a method call per pixel. Colour S gets its magnitudes first.
 *
 * Reading |v| where the steps read their magnitude max(|v|, 0) changes nothing: the two differ only
 * for NaN (NaN against 0), and every comparison they meet (above a threshold >= 0, above a noise
 * level > 0) is false for both.
 */

/**
 * A choice between two numbers made by indexing a two-entry array with the comparison (pick[+(b >
 * a)]) compiles without a branch. On noisy residuals a branch goes either way at random and is
 * mispredicted half the time, which made these passes three to five times slower; the choice is
 * the same number the branch would give (NaN included).
 */
const PICK = new Float64Array(2);
/** The temporal factor by the previous mask (0 or 1): 1 or previousFactor. */
const CONTINUITY = new Float64Array([1, 1]);
/** The noise level's steps: down, down on foreground, up, up on foreground. */
const STEPS = new Float64Array(4);

/**
 * |S| per pixel of colour S (a pixel's largest channel deviation, or the root mean square of its
 * channels with `rms`), and the sign of the largest deviation (1 for >= 0).
 */
export function colourMagnitudes(
  sparse: ArrayLike<number>,
  channels: number,
  rms: boolean,
  magnitude: Float64Array,
  polarity: Uint8Array,
): void {
  const pixels = magnitude.length;
  for (let p = 0, k = 0; p < pixels; p++, k += channels) {
    let m = 0;
    let squares = 0;
    let positive = 1;
    for (let c = 0; c < channels; c++) {
      const v = sparse[k + c]!;
      const a = Math.abs(v);
      squares += v * v;
      if (a > m) {
        m = a;
        positive = v >= 0 ? 1 : 0;
      }
    }
    magnitude[p] = rms ? Math.sqrt(squares / channels) : m;
    polarity[p] = positive;
  }
}

/**
 * The frame's median |S| when it is needed, else undefined: `bound` says when it is not, a value
 * such that a median at most `bound` gives the same base threshold whatever it is (the 'mad'
 * rule's floor: multiplier x 1.4826 x median <= minThreshold); Infinity: never needed; negative:
 * always. One pass copies |S| into `work` and builds a histogram, which settles most frames;
 * otherwise the median is selected in the median's bin (the same number as the steps' quickselect).
 * `values` is gray S or the colour magnitudes (whose median the steps take).
 */
export function frameMedianIfNeeded(
  values: ArrayLike<number>,
  bound: number,
  work: Float64Array,
  selector: HistogramMedian,
): number | undefined {
  if (bound === Number.POSITIVE_INFINITY) return undefined;
  return selector.medianOfAbsolute(values, work, bound);
}

/** What the threshold pass reads besides |S| (one object per model, updated each frame). */
export interface ThresholdInputs {
  /** The frame's base threshold. */
  base: number;
  /** Per-pixel noise (once it has started) and its multiplier. */
  noise: PixelNoiseLevel | undefined;
  noiseMultiplier: number;
  temporal: TemporalConsistency | undefined;
  hysteresisLow: number;
  /** Non-zero where the pixel is a shadow (forced to background). */
  shadows: Uint8Array | undefined;
}

/**
 * Each pixel's threshold, then its level (2 strong, 1 weak, 0 neither) and its raw evidence (|S|
 * above the threshold before the temporal factor), as the steps compute them. `values` is gray S
 * (then the sign of each value goes to `polarity`) or the colour magnitudes (polarity undefined).
 */
export function thresholdLevels(
  values: ArrayLike<number>,
  inputs: ThresholdInputs,
  levels: Uint8Array,
  evidence: Uint8Array,
  polarity: Uint8Array | undefined,
): void {
  const pixels = levels.length;
  const { base, noise, temporal, shadows } = inputs;
  const k = inputs.noiseMultiplier;
  const low = inputs.hysteresisLow;
  const level = noise?.level;
  const scale = noise?.scale ?? 1;
  const previous = temporal?.previous;
  const previousFactor = temporal?.previousFactor ?? 1;
  const flickerGain = temporal?.flickerGain ?? 0;
  const flicker = flickerGain > 0 ? temporal?.flicker : undefined;
  const pick = PICK;
  const continuity = CONTINUITY;
  continuity[1] = previousFactor;
  for (let p = 0; p < pixels; p++) {
    let t = base;
    if (level !== undefined) {
      pick[0] = t;
      pick[1] = k * (scale * level[p]!);
      t = pick[+(pick[1]! > t)]!;
    }
    const v = values[p]!;
    const d = Math.abs(v);
    if (polarity !== undefined) polarity[p] = 1 - +(v < 0);
    evidence[p] = +(d > t);
    if (previous !== undefined) {
      // previous[p] is 0 or 1. With no flicker term the factor is continuity x 1: the same number.
      const factor = continuity[previous[p]!]!;
      t *= flicker === undefined ? factor : factor * (1 + flickerGain * flicker[p]!);
    }
    // 2 strong, 1 weak (low x t <= t, so strong pixels pass both tests), 0 on a shadow.
    const strength = +(d > t) + +(d > low * t);
    levels[p] = shadows === undefined ? strength : strength * (1 - +(shadows[p] !== 0));
  }
}

/**
 * thresholdLevels for the default steps once the noise levels have started: per-pixel noise, the
 * previous frame's factor and no flicker term, no shadows; the same numbers, in a loop with
 * nothing optional in it (a third of the time). The caller checks that
 * `inputs` has noise and temporal and that they fit. Each value's sign goes to `signs` (for colour
 * magnitudes, which are never negative, pass a scratch array).
 */
export function thresholdLevelsCommon(
  values: ArrayLike<number>,
  inputs: ThresholdInputs,
  levels: Uint8Array,
  evidence: Uint8Array,
  signs: Uint8Array,
): void {
  const noise = inputs.noise!;
  const temporal = inputs.temporal!;
  const { base, noiseMultiplier: k, hysteresisLow: low } = inputs;
  const level = noise.level;
  const scale = noise.scale;
  const previous = temporal.previous;
  const pick = PICK;
  const continuity = CONTINUITY;
  continuity[1] = temporal.previousFactor;
  for (let p = 0; p < levels.length; p++) {
    pick[0] = base;
    pick[1] = k * (scale * level[p]!);
    let t = pick[+(pick[1]! > base)]!;
    const v = values[p]!;
    const d = Math.abs(v);
    signs[p] = 1 - +(v < 0);
    evidence[p] = +(d > t);
    t *= continuity[previous[p]!]!;
    levels[p] = +(d > t) + +(d > low * t);
  }
}

/**
 * The final mask teaches the noise levels: each pixel's level steps towards its |S|, slower where
 * the mask says foreground, never below minLevel (PixelNoiseLevel.learn). `values`: gray S or the
 * colour magnitudes; `frameLevel` starts the levels on the first frame.
 */
export function learnNoise(
  values: ArrayLike<number>,
  mask: Uint8Array,
  frameLevel: number,
  noise: PixelNoiseLevel,
): void {
  noise.begin(frameLevel);
  const pixels = mask.length;
  const { level, minLevel } = noise;
  // Steps indexed by 2 x (|S| above the level) + (on foreground).
  const steps = STEPS;
  steps[0] = noise.down;
  steps[1] = noise.downForeground;
  steps[2] = noise.up;
  steps[3] = noise.upForeground;
  const pick = PICK;
  pick[1] = minLevel;
  for (let p = 0; p < pixels; p++) {
    const m = level[p]!;
    // max(next, minLevel), branch-free: on a still scene most levels sit at the floor, so which of
    // the two wins is a coin toss per pixel.
    pick[0] = m * steps[2 * +(Math.abs(values[p]!) > m) + +(mask[p] !== 0)]!;
    level[p] = pick[+(minLevel > pick[0]!)]!;
  }
}

/**
 * The final mask and the evidence teach the temporal state (TemporalConsistency.learn). `mask` is
 * 0 / 255 and `evidence` 0 / 1, as the fused path makes them: with no flicker term the update is a
 * copy of the evidence and the mask's low bits, four pixels a word.
 */
export function learnTemporal(mask: Uint8Array, evidence: Uint8Array, temporal: TemporalConsistency): void {
  const pixels = mask.length;
  const { previous, previousEvidence, flicker } = temporal;
  const rate = temporal.flickerRate;
  if (temporal.flickerGain > 0 && temporal.frames > 0) {
    for (let p = 0; p < pixels; p++) {
      const seen = evidence[p]!;
      flicker[p] = flicker[p]! + rate * (+(seen !== previousEvidence[p]) - flicker[p]!);
      previousEvidence[p] = seen;
      previous[p] = mask[p]! & 1;
    }
  } else {
    // Toggle rates are read only when flicker counts: otherwise they need no upkeep.
    previousEvidence.set(evidence);
    const whole = pixels & ~3;
    if (mask.byteOffset % 4 === 0 && previous.byteOffset % 4 === 0) {
      const from = new Uint32Array(mask.buffer, mask.byteOffset, whole >> 2);
      const to = new Uint32Array(previous.buffer, previous.byteOffset, whole >> 2);
      for (let i = 0; i < from.length; i++) to[i] = from[i]! & 0x01010101;
    } else {
      for (let p = 0; p < whole; p++) previous[p] = mask[p]! & 1;
    }
    for (let p = whole; p < pixels; p++) previous[p] = mask[p]! & 1;
  }
  temporal.frames++;
}
