import { InvalidInputError, InvalidOptionError } from '@lowrank/core';
import {
  colourMagnitudes,
  frameMedianIfNeeded,
  learnNoise,
  learnTemporal,
  type ThresholdInputs,
  thresholdLevels,
  thresholdLevelsCommon,
} from './foreground-mask-kernels.js';
import { HistogramMedian } from './histogram-median.js';
import { fillHoles } from './hole-filling.js';
import { growFromSeeds } from './hysteresis.js';
import { medianAbsolute } from './median-absolute.js';
import { openMask, openSquare3 } from './morphological-opening.js';
import { gaussianAbsQuantile, PixelNoiseLevel } from './pixel-noise-level.js';
import { RunLabelling } from './run-labelling.js';
import { ShadowSuppression } from './shadow-suppression.js';
import { removeSmallBlobs } from './small-blob-removal.js';
import { TemporalConsistency } from './temporal-consistency.js';

/**
 * How the frame's base threshold is chosen (the floor under every pixel's own threshold):
 * - 'mad': max(multiplier x sigma_f, minThreshold), sigma_f = 1.4826 x median_p |S_f,p| (the
 *   frame's median absolute deviation about 0, which movers covering under half of it do not inflate);
 * - 'std': multiplier x the standard deviation of S over the frames seen so far (over the whole
 *   video when a batch is given, LRSLibrary's rule with multiplier 1);
 * - 'absolute': threshold.
 */
export type MaskThresholdRule = 'mad' | 'std' | 'absolute';

/** When hard shadows are suppressed: 'auto' with colour input only, 'on' with any input, 'off' never. */
export type ShadowMode = 'auto' | 'on' | 'off';

/**
 * The mask rules, each a step with its own option; 0 (or 1 for factors) turns a step off. The
 * defaults are the ones that did best across the CDnet videos measured (see the README).
 */
export interface MaskRuleOptions {
  /** The frame's base threshold (default 'mad'). */
  readonly rule?: MaskThresholdRule;
  /** Multiplier of the frame's noise level for 'mad' and 'std' (default 3 for 'mad', 1 for 'std'). */
  readonly multiplier?: number;
  /** Lower bound of the 'mad' threshold, in data units (default 0.06: about 15 gray levels of 255). */
  readonly minThreshold?: number;
  /** The threshold of the 'absolute' rule, in data units (default 0.1). */
  readonly threshold?: number;
  /**
   * Per-pixel noise: a pixel's threshold is at least this many times its own noise level sigma_p,
   * learned over time from |S| (a running quantile, see PixelNoiseLevel). Default 3, like the
   * frame rule's multiplier; 0 = off (the frame's threshold alone).
   */
  readonly noiseMultiplier?: number;
  /** How fast the per-pixel noise level follows |S| (log-step per frame; default 0.05, about 20 frames). */
  readonly noiseRate?: number;
  /**
   * Which quantile of |S| over time the noise level follows, scaled to a Gaussian sigma (default
   * 0.9: branches and shaking edges leave residue in a fraction of the frames only, which the
   * median misses; movers, learned slowly while the mask holds them, barely move it).
   */
  readonly noiseQuantile?: number;
  /** Speed of that learning at pixels the mask calls foreground, relative to noiseRate (default 0.1). */
  readonly noiseForegroundRate?: number;
  /**
   * Hysteresis: pixels above this fraction of their threshold are kept when 8-connected to a pixel
   * above the full threshold (default 0.7; 1 = off).
   */
  readonly hysteresisLow?: number;
  /** Hysteresis grows a seed only into weak pixels whose S has the seed's sign (default true). */
  readonly hysteresisSameSign?: boolean;
  /** Fill enclosed background regions up to this many pixels (default Infinity: all; 0 = off). */
  readonly maxHoleArea?: number;
  /** Threshold multiplier at pixels that were foreground in the previous frame (default 0.6; 1 = off). */
  readonly previousFactor?: number;
  /**
   * Threshold multiplier per unit of a pixel's toggle rate: 1 + gain x rate (default 0 = off: it
   * helped rpca on the shaking "traffic" video and cost recall elsewhere, see the README).
   */
  readonly flickerGain?: number;
  /** Weight of the newest frame in the toggle rate (default 0.1). */
  readonly flickerRate?: number;
  /**
   * Hard-shadow suppression (default 'off': on the CDnet videos measured it removed more of the
   * cars than of their shadows, see the README; 'auto' judges shadows when the input frames are
   * colour, 'on' with gray input too).
   */
  readonly shadows?: ShadowMode;
  /** A shadow is at least this bright relative to the background (default 0.4). */
  readonly shadowMinBrightness?: number;
  /** ... and at most this bright (default 0.9). */
  readonly shadowMaxBrightness?: number;
  /** ... with a chromaticity distortion |I - alpha B| / |B| of at most this (default 0.04). */
  readonly shadowMaxChromaDistortion?: number;
  /**
   * |S| of a colour pixel: 'max' (default), its largest channel deviation; 'rms', the root mean
   * square over its channels (less noisy, weaker for a change in one channel only).
   */
  readonly colorMagnitude?: 'max' | 'rms';
  /** Morphological opening with a (2r+1)-square after thresholding (default 1: 3x3; 0: none). */
  readonly openingRadius?: number;
  /** Remove 8-connected blobs with fewer pixels than this (default 15; 0 keeps all). */
  readonly minBlobArea?: number;
}

/**
 * How push() runs: 'fused' (default) makes three fused passes over the pixels and labels connected
 * regions by runs (foreground-mask-kernels.ts, run-labelling.ts, openSquare3); 'steps' runs the
 * readable step-by-step code. Both give the same masks to the bit (the tests compare them).
 */
export type MaskImplementation = 'fused' | 'steps';

/** The frame a mask model works on. */
export interface MaskFrameShape {
  readonly width: number;
  readonly height: number;
  /** Values per pixel of S: 1 (gray, or the luminance of a colour video) or 3 (colour). Default 1. */
  readonly sparseChannels?: number;
  /** Values per pixel of the input frames, when given (1 or 3): needed for shadows. */
  readonly inputChannels?: number;
}

type Resolved = Required<MaskRuleOptions>;

export const maskRuleDefaults: Omit<Resolved, 'multiplier'> & { multiplier: undefined } = {
  rule: 'mad',
  multiplier: undefined,
  minThreshold: 0.06,
  threshold: 0.1,
  noiseMultiplier: 3,
  noiseRate: 0.05,
  noiseQuantile: 0.9,
  noiseForegroundRate: 0.1,
  hysteresisLow: 0.7,
  hysteresisSameSign: true,
  maxHoleArea: Number.POSITIVE_INFINITY,
  previousFactor: 0.6,
  flickerGain: 0,
  flickerRate: 0.1,
  shadows: 'off',
  colorMagnitude: 'max',
  shadowMinBrightness: 0.4,
  shadowMaxBrightness: 0.9,
  shadowMaxChromaDistortion: 0.04,
  openingRadius: 1,
  minBlobArea: 15,
};

function nonNegative(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) {
    throw new InvalidOptionError(name, `expected a number >= 0, got ${JSON.stringify(value)}.`);
  }
}

function fraction(name: string, value: unknown, max = 1): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= max)) {
    throw new InvalidOptionError(name, `expected a number in (0, ${max}], got ${JSON.stringify(value)}.`);
  }
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new InvalidOptionError(
      name,
      `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`,
    );
  }
}

/** Validates mask options (throws InvalidOptionError naming the option) and fills in the defaults. */
export function resolveMaskRules(options: MaskRuleOptions = {}): Resolved {
  oneOf('rule', options.rule, ['mad', 'std', 'absolute']);
  oneOf('shadows', options.shadows, ['auto', 'on', 'off']);
  oneOf('colorMagnitude', options.colorMagnitude, ['max', 'rms']);
  for (const key of [
    'multiplier',
    'minThreshold',
    'threshold',
    'noiseMultiplier',
    'maxHoleArea',
    'flickerGain',
    'shadowMinBrightness',
    'shadowMaxChromaDistortion',
    'openingRadius',
    'minBlobArea',
  ] as const) {
    nonNegative(key, options[key]);
  }
  for (const key of [
    'noiseRate',
    'noiseForegroundRate',
    'hysteresisLow',
    'previousFactor',
    'flickerRate',
  ] as const) {
    fraction(key, options[key]);
  }
  fraction('shadowMaxBrightness', options.shadowMaxBrightness, Number.POSITIVE_INFINITY);
  const q = options.noiseQuantile;
  if (q !== undefined && !(typeof q === 'number' && q > 0 && q < 1)) {
    throw new InvalidOptionError('noiseQuantile', `expected a number in (0, 1), got ${JSON.stringify(q)}.`);
  }
  if (options.hysteresisSameSign !== undefined && typeof options.hysteresisSameSign !== 'boolean') {
    throw new InvalidOptionError(
      'hysteresisSameSign',
      `expected true or false, got ${JSON.stringify(options.hysteresisSameSign)}.`,
    );
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const rule = options.rule ?? maskRuleDefaults.rule;
  const resolved = {
    ...maskRuleDefaults,
    ...defined,
    multiplier: options.multiplier ?? (rule === 'std' ? 1 : 3),
  } as Resolved;
  if (resolved.shadowMinBrightness > resolved.shadowMaxBrightness) {
    throw new InvalidOptionError(
      'shadowMinBrightness',
      `is ${resolved.shadowMinBrightness}, above shadowMaxBrightness (${resolved.shadowMaxBrightness}).`,
    );
  }
  return resolved;
}

/**
 * Foreground masks from the sparse part S of a low-rank + sparse split, one frame at a time, in
 * order. The state is O(pixels) (a noise level, the previous mask and a toggle rate per pixel; a
 * running background colour when shadows are judged from a gray S and colour input), so the same
 * model serves a batch result (push its frames in order) and a streaming separator (push each
 * frame as it comes).
 *
 * Per frame: |S| (a colour pixel's largest channel deviation) is compared with the pixel's own
 * threshold max(frame threshold, noiseMultiplier x sigma_p) x the temporal factor; pixels above it
 * seed the mask and pixels above hysteresisLow x it join when connected to a seed; shadows are
 * taken out; then a morphological opening, removal of small blobs, and hole filling. The final
 * mask then teaches the state: noise levels, toggle rates, background colour.
 */
export class ForegroundMaskModel {
  readonly width: number;
  readonly height: number;
  readonly pixels: number;
  readonly sparseChannels: number;
  readonly inputChannels: number | undefined;
  readonly options: Readonly<Resolved>;
  /** Frames pushed so far (over all sequences). */
  frames = 0;
  /** The base threshold of the last frame pushed (the rule's threshold, before per-pixel terms). */
  lastThreshold = 0;

  private readonly noise: PixelNoiseLevel | undefined;
  private readonly temporal: TemporalConsistency | undefined;
  private readonly shadows: ShadowSuppression | undefined;
  private readonly magnitude: Float64Array;
  private readonly scratch: Float64Array;
  private readonly levels: Uint8Array;
  private readonly polarity: Uint8Array;
  private readonly evidence: Uint8Array;
  private readonly shadowFlags: Uint8Array;
  /** Scratch bytes for the opening (2 x pixels) and hole filling (pixels). */
  private readonly bytes: Uint8Array;
  /** The fused path's connected-region labelling; the step path's flood-fill stack. */
  private readonly runs: RunLabelling | undefined;
  private readonly median: HistogramMedian | undefined;
  private readonly stack: Int32Array | undefined;
  /** Per-pixel standard deviations handed to raiseNoiseLevels (colour: reduced per pixel). */
  private raised: Float64Array | undefined;
  private readonly implementation: MaskImplementation;
  private readonly thresholdInputs: ThresholdInputs;
  /**
   * A frame median |S| at most this gives the 'mad' rule's floor, minThreshold, as its threshold
   * (multiplier x 1.4826 x median <= minThreshold, checked in floating point); -1 when none does.
   */
  private readonly madBound: number;
  private sum = 0;
  private sumSquares = 0;
  private count = 0;

  constructor(
    frame: MaskFrameShape,
    options: MaskRuleOptions = {},
    implementation: MaskImplementation = 'fused',
  ) {
    const { width, height } = frame;
    for (const [name, value] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidOptionError(name, `expected a whole number >= 1, got ${JSON.stringify(value)}.`);
      }
    }
    const sparseChannels = frame.sparseChannels ?? 1;
    if (sparseChannels !== 1 && sparseChannels !== 3) {
      throw new InvalidOptionError(
        'sparseChannels',
        `expected 1 or 3, got ${JSON.stringify(sparseChannels)}.`,
      );
    }
    const inputChannels = frame.inputChannels;
    if (inputChannels !== undefined && inputChannels !== 1 && inputChannels !== 3) {
      throw new InvalidOptionError('inputChannels', `expected 1 or 3, got ${JSON.stringify(inputChannels)}.`);
    }
    if (inputChannels === 1 && sparseChannels === 3) {
      throw new InvalidOptionError(
        'inputChannels',
        'is 1 (gray) but S has 3 channels: give the colour frames.',
      );
    }
    const o = resolveMaskRules(options);
    this.options = o;
    this.width = width;
    this.height = height;
    this.pixels = width * height;
    this.sparseChannels = sparseChannels;
    this.inputChannels = inputChannels;
    const baseFloor = o.rule === 'absolute' ? o.threshold : o.rule === 'mad' ? o.minThreshold : 0;
    if (o.noiseMultiplier > 0) {
      // Below this level the pixel's own term cannot beat the frame's floor: no need to go lower.
      const minLevel = Math.max((baseFloor * gaussianAbsQuantile(o.noiseQuantile)) / o.noiseMultiplier, 1e-6);
      this.noise = new PixelNoiseLevel(
        this.pixels,
        o.noiseRate,
        o.noiseForegroundRate,
        minLevel,
        o.noiseQuantile,
      );
    }
    if (o.previousFactor < 1 || o.flickerGain > 0) {
      this.temporal = new TemporalConsistency(this.pixels, o.previousFactor, o.flickerGain, o.flickerRate);
    }
    const shadowsOn =
      inputChannels !== undefined && (o.shadows === 'on' || (o.shadows === 'auto' && inputChannels === 3));
    if (shadowsOn) {
      this.shadows = new ShadowSuppression(
        this.pixels,
        inputChannels,
        sparseChannels,
        {
          minBrightness: o.shadowMinBrightness,
          maxBrightness: o.shadowMaxBrightness,
          maxChromaDistortion: o.shadowMaxChromaDistortion,
        },
        o.noiseRate,
      );
    }
    this.magnitude = new Float64Array(this.pixels);
    this.scratch = new Float64Array(this.pixels);
    this.levels = new Uint8Array(this.pixels);
    this.polarity = new Uint8Array(this.pixels);
    this.evidence = new Uint8Array(this.pixels);
    this.shadowFlags = new Uint8Array(this.pixels);
    this.bytes = new Uint8Array(2 * this.pixels);
    this.madBound = madFloorBound(o.multiplier, o.minThreshold);
    this.thresholdInputs = {
      base: 0,
      noise: undefined,
      noiseMultiplier: o.noiseMultiplier,
      temporal: this.temporal,
      hysteresisLow: o.hysteresisLow,
      shadows: this.shadows ? this.shadowFlags : undefined,
    };
    this.implementation = implementation;
    if (implementation === 'steps') this.stack = new Int32Array(2 * this.pixels);
    else {
      this.runs = new RunLabelling(width, height);
      this.median = new HistogramMedian();
    }
  }

  /** Whether shadows are judged (input frames given, and the shadows option allows it). */
  get suppressesShadows(): boolean {
    return this.shadows !== undefined;
  }

  /**
   * A new run over frames that do not follow the last one (a batch's second pass): forgets the
   * previous frame's mask and keeps everything learned (noise levels, toggle rates, colours).
   */
  restartSequence(): void {
    this.temporal?.previous.fill(0);
    this.temporal?.previousEvidence.fill(0);
  }

  /**
   * Noise levels the separator tracks itself, one standard deviation per value of S (pixels x
   * sparseChannels; StreamingSeparation.noiseLevel() gives them): each pixel's learned level is
   * lifted to at least the separator's (a colour pixel's: the largest of its channels', or their
   * root mean square with colorMagnitude 'rms'), and before the first frame they start the levels,
   * so the first frames already have per-pixel thresholds. The model goes on learning from S;
   * call this before each push to follow the separator. No effect with noiseMultiplier 0.
   */
  raiseNoiseLevels(levels: ArrayLike<number>): void {
    const cs = this.sparseChannels;
    if (levels.length !== this.pixels * cs) {
      throw new InvalidInputError(
        `The noise levels have ${levels.length} values; the mask model expects ${this.pixels * cs} (${this.width} x ${this.height} x ${cs}).`,
      );
    }
    if (!this.noise) return;
    if (cs === 1) {
      this.noise.raise(levels);
      return;
    }
    this.raised ??= new Float64Array(this.pixels);
    const sigmas = this.raised;
    const rms = this.options.colorMagnitude === 'rms';
    for (let p = 0; p < this.pixels; p++) {
      let largest = 0;
      let squares = 0;
      for (let c = 0; c < cs; c++) {
        const v = levels[p * cs + c]!;
        squares += v * v;
        if (v > largest) largest = v;
      }
      sigmas[p] = rms ? Math.sqrt(squares / cs) : largest;
    }
    this.noise.raise(sigmas);
  }

  /**
   * Decides one frame: `sparse` is its S (pixels x sparseChannels, interleaved), `input` the frame
   * itself (pixels x inputChannels) when the model was given inputChannels. Writes 255 / 0 per
   * pixel into `out` (allocated when not given) and returns it.
   */
  push(
    sparse: ArrayLike<number>,
    input?: ArrayLike<number>,
    out: Uint8Array = new Uint8Array(this.pixels),
  ): Uint8Array {
    const { pixels, width, height, sparseChannels: cs } = this;
    if (sparse.length !== pixels * cs) {
      throw new InvalidInputError(
        `Frame ${this.frames} of S has ${sparse.length} values; the mask model expects ${pixels * cs} (${width} x ${height} x ${cs}).`,
      );
    }
    if (
      this.inputChannels !== undefined &&
      (input === undefined || input.length !== pixels * this.inputChannels)
    ) {
      throw new InvalidInputError(
        `Frame ${this.frames}: the mask model expects its input frame of ${pixels * this.inputChannels} values, got ${input === undefined ? 'none' : input.length}.`,
        { hint: 'Pass each input frame with its S, or create the model without inputChannels.' },
      );
    }
    const decided =
      this.implementation === 'fused'
        ? this.decideFused(sparse, input, out)
        : this.decideBySteps(sparse, input, out);
    this.frames++;
    return decided;
  }

  /** The fused path: the same decisions as decideBySteps, in three passes and run labelling. */
  private decideFused(sparse: ArrayLike<number>, input: ArrayLike<number> | undefined, out: Uint8Array) {
    const { width, height, polarity, levels, evidence } = this;
    const o = this.options;
    const runs = this.runs!;
    // Gray S is read as it is (|S| = |v|); colour S (or rms, whose root is not always |v|) first
    // becomes one magnitude per pixel.
    const gray = this.sparseChannels === 1 && o.colorMagnitude === 'max';
    if (!gray)
      colourMagnitudes(sparse, this.sparseChannels, o.colorMagnitude === 'rms', this.magnitude, polarity);
    const values = gray ? sparse : this.magnitude;
    // The median |S| is needed to start the noise levels, and by the 'mad' rule unless it is so low
    // that the floor minThreshold wins.
    const bound =
      this.noise && !this.noise.ready ? -1 : o.rule === 'mad' ? this.madBound : Number.POSITIVE_INFINITY;
    const frameLevel = frameMedianIfNeeded(values, bound, this.scratch, this.median!);
    const base =
      frameLevel === undefined && o.rule === 'mad'
        ? o.minThreshold
        : this.baseThreshold(sparse, frameLevel ?? 0);
    this.lastThreshold = base;
    if (this.shadows && input) this.shadows.detect(input, sparse, this.shadowFlags);
    const noise = this.noise?.ready ? this.noise : undefined;
    const temporal = this.temporal;
    const inputs = this.thresholdInputs;
    inputs.base = base;
    inputs.noise = noise;
    // Colour magnitudes carry their polarity already: their signs (all positive) go to scratch.
    const signs = gray ? polarity : this.shadowFlags;
    if (noise && temporal && temporal.flickerGain === 0 && !this.shadows)
      thresholdLevelsCommon(values, inputs, levels, evidence, signs);
    else thresholdLevels(values, inputs, levels, evidence, gray ? polarity : undefined);
    if (o.hysteresisLow < 1) runs.growFromSeeds(levels, out, o.hysteresisSameSign ? polarity : undefined);
    else for (let p = 0; p < this.pixels; p++) out[p] = levels[p] === 2 ? 255 : 0;
    const radius = Math.floor(o.openingRadius);
    if (radius === 1) openSquare3(out, width, height, this.bytes);
    else if (radius > 1) openMask(out, width, height, radius, this.bytes);
    if (o.minBlobArea > 1) runs.removeSmallBlobs(out, Math.floor(o.minBlobArea));
    if (o.maxHoleArea >= 1) runs.fillHoles(out, o.maxHoleArea);
    if (this.noise) learnNoise(values, out, frameLevel ?? 0, this.noise);
    if (this.temporal) learnTemporal(out, evidence, this.temporal);
    if (this.shadows && input) this.shadows.learn(input, out);
    return out;
  }

  /** The readable path: each step in its own file, one after the other. */
  private decideBySteps(sparse: ArrayLike<number>, input: ArrayLike<number> | undefined, out: Uint8Array) {
    const { pixels, width, height, sparseChannels: cs } = this;
    const o = this.options;
    const stack = this.stack!;
    const magnitude = this.magnitude;
    const polarity = this.polarity;
    const rms = o.colorMagnitude === 'rms';
    for (let p = 0; p < pixels; p++) {
      let m = 0;
      let squares = 0;
      let positive = 1;
      for (let c = 0; c < cs; c++) {
        const v = sparse[p * cs + c]!;
        const a = Math.abs(v);
        squares += v * v;
        if (a > m) {
          m = a;
          positive = v >= 0 ? 1 : 0;
        }
      }
      magnitude[p] = rms ? Math.sqrt(squares / cs) : m;
      polarity[p] = positive;
    }
    const frameLevel = medianAbsolute(magnitude, this.scratch);
    const base = this.baseThreshold(sparse, frameLevel);
    this.lastThreshold = base;

    const noise = this.noise?.ready ? this.noise : undefined;
    const temporal = this.temporal;
    const k = o.noiseMultiplier;
    const low = o.hysteresisLow;
    const levels = this.levels;
    const evidence = this.evidence;
    if (this.shadows && input) this.shadows.detect(input, sparse, this.shadowFlags);
    const shadowFlags = this.shadows ? this.shadowFlags : undefined;
    for (let p = 0; p < pixels; p++) {
      let t = base;
      if (noise) {
        const own = k * noise.sigma(p);
        if (own > t) t = own;
      }
      const d = magnitude[p]!;
      evidence[p] = d > t ? 1 : 0;
      if (temporal) t *= temporal.factor(p);
      levels[p] = shadowFlags?.[p] ? 0 : d > t ? 2 : d > low * t ? 1 : 0;
    }
    if (low < 1)
      growFromSeeds(levels, width, height, out, stack, o.hysteresisSameSign ? polarity : undefined);
    else for (let p = 0; p < pixels; p++) out[p] = levels[p] === 2 ? 255 : 0;
    if (o.openingRadius >= 1) openMask(out, width, height, Math.floor(o.openingRadius), this.bytes);
    if (o.minBlobArea > 1) removeSmallBlobs(out, width, height, Math.floor(o.minBlobArea), stack);
    if (o.maxHoleArea >= 1) fillHoles(out, width, height, o.maxHoleArea, stack, this.bytes);

    this.noise?.learn(magnitude, out, frameLevel);
    temporal?.learn(out, evidence);
    if (this.shadows && input) this.shadows.learn(input, out);
    return out;
  }

  private baseThreshold(sparse: ArrayLike<number>, frameLevel: number): number {
    const o = this.options;
    if (o.rule === 'absolute') return o.threshold;
    if (o.rule === 'mad') return Math.max(o.multiplier * 1.4826 * frameLevel, o.minThreshold);
    // 'std': running moments of S over every value seen so far, this frame included.
    for (let k = 0; k < sparse.length; k++) {
      const v = sparse[k]!;
      this.sum += v;
      this.sumSquares += v * v;
    }
    this.count += sparse.length;
    const mean = this.sum / this.count;
    return o.multiplier * Math.sqrt(Math.max(this.sumSquares / this.count - mean * mean, 0));
  }
}

/**
 * Bytes a ForegroundMaskModel holds for frames of this size (default rules, fused path): per
 * pixel, |S| and its copy for the median, the noise level and the toggle rate (float64), the run
 * labels (start, end, parent, area, kind, flag), six byte flags and the opening's two scratch
 * bytes; and the median's histogram.
 */
export function estimateMaskModelBytes(frame: { readonly width: number; readonly height: number }): number {
  return (4 * 8 + 18 + 6 + 2) * frame.width * frame.height + (1 << 15) * 4 + 4096;
}

/** The largest median |S| whose 'mad' threshold is the floor (see ForegroundMaskModel.madBound). */
function madFloorBound(multiplier: number, minThreshold: number): number {
  const scale = multiplier * 1.4826;
  if (!(scale > 0)) return -1;
  let bound = (minThreshold / scale) * (1 - 1e-12);
  // Rounding is monotone: scale x median <= scale x bound <= minThreshold for every median <= bound.
  for (let i = 0; i < 4 && scale * bound > minThreshold; i++) bound *= 1 - 1e-12;
  return scale * bound <= minThreshold ? bound : -1;
}
