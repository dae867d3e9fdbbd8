import { createRng } from '@lowrank/core';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import {
  gatherSample,
  type ResidualSums,
  reconstruct,
  residualSums,
  sampleGram,
  sampleRightHandSide,
  splitFrame,
  temporalMedian,
} from './incremental-pcp-kernels.js';
import { IncrementalSvd } from './incremental-svd.js';

/** The options of incremental PCP (validated by the streaming-rpca plugin's spec). */
export interface IncrementalPcpOptions {
  /** Largest rank of the background subspace. */
  readonly rank: number;
  /** Frames after which a frame's weight in the background model halves. */
  readonly halfLife: number;
  /** A value is foreground when its deviation exceeds this many noise levels. */
  readonly threshold: number;
  /** Frames held for the batch initialization (0: cold start on the first frame). */
  readonly initFrames: number;
  /** Values in the random sample on which each frame's coefficients are fitted. */
  readonly samplePixels: number;
  /** Seed of that sample. */
  readonly seed: number;
}

/** Median |d| a value's noise tracker starts from (noise level 1.4826 x 0.01, about 4 of 255 gray levels). */
export const INITIAL_MEDIAN_DEVIATION = 0.01;
/** Floor of the tracked median |d|, so that flat, noiseless regions keep a usable threshold. */
export const LOWEST_MEDIAN_DEVIATION = 0.002;
/**
 * The noise level may change by a factor e^(ADAPTATION / n) per frame, n = halfLife once that many
 * frames are seen; before, n = max(frames seen, LEARNING_FRAMES), so that the levels are learned
 * at the start even when halfLife is long (a running median's 1/n steps, not jumpy at first).
 */
export const ADAPTATION = 1.7;
/** Fewest frames n in the noise levels' step e^(ADAPTATION / n). */
export const LEARNING_FRAMES = 20;
/** Median absolute deviation to standard deviation, for normal noise. */
const MAD_TO_SIGMA = 1.4826;
/** Alternations of the coefficient fit per frame. */
const FIT_ITERATIONS = 3;

/**
 * Incremental principal component pursuit for video, one frame at a time, in O(values x rank)
 * memory: after Rodriguez and Wohlberg ("Incremental principal component pursuit for video
 * background modeling", J. Math. Imaging Vision 2016), where each new frame z is split into a
 * low-rank part l (the background, kept as a rank-r SVD updated by rank-one modifications) and a
 * sparse part s (what moves). Here:
 *
 *  1. Coefficients. c = argmin_c min_e 1/2 ||z_S - U_S c - e||^2 + sum_k lambda_k |e_k| on a fixed
 *     random sample S of the values (GRASTA's subsampling, He, Balzano and Szlam 2012: r unknowns do
 *     not need a million equations), by alternating the proximal step e = soft(z - U c, lambda) and
 *     least squares c = (U_S^T U_S)^-1 U_S^T (z_S - e_S) (OR-PCA's sample step, Feng, Xu and Yan
 *     2013), warm-started from the previous frame.
 *  2. Split. d = z - U c on every value; where |d_k| > threshold * sigma_k the value is foreground:
 *     s_k = d_k (the whole deviation, as ReProCS does once it has the support); elsewhere s_k = 0.
 *     lowRank = z - s. sigma_k is the value's noise level, 1.4826 times a running median of |d_k|
 *     (a multiplicative quantile tracker): pixels that always move a little (leaves, water, edges
 *     under camera jitter) earn a higher threshold, still pixels a lower one.
 *  3. Subspace. The clean frame x = z - s (foreground values replaced by the model's l) is appended
 *     to the SVD by Brand's rank-one update (incremental-svd.ts) after the singular values are
 *     scaled by sqrt(beta), beta = 2^(-1/halfLife): exponential forgetting in place of incPCP's
 *     downdates of a sliding window, so the state is the basis, not a window of frames.
 *
 * The passes over all values are in incremental-pcp-kernels.ts (split, residual sums, the basis
 * update); everything else works on rank-sized numbers or on the sample.
 *
 * A background change (a parked car leaving, a light switched on) is foreground at first; its
 * values' noise levels then grow by e^(ADAPTATION/halfLife) per frame until the change fits within
 * the threshold, and from then on it enters the subspace at the forgetting rate. With the default
 * halfLife of 30 frames a change of 0.3 on a still pixel stops being foreground after about 25
 * frames and is in the background within three half-lives (see the tests).
 *
 * Start: the first initFrames frames are held, the per-value temporal median starts the basis
 * (rank 1; moving objects present in fewer than half of those frames leave no trace), one pass over
 * them warms up the noise levels and the subspace, and then they are separated again, in order.
 * With initFrames 0 the first frame starts the basis (cold start).
 */
export class IncrementalPcp {
  readonly values: number;
  readonly options: IncrementalPcpOptions;
  readonly subspace: IncrementalSvd;
  /** Running median of |d| per value (the noise level is 1.4826 times it). */
  readonly medianDeviation: Float32Array;
  /** Indices of the sampled values, ascending. */
  readonly sample: Int32Array;
  /** Coordinates of the last frame's background in the current basis: the next fit's starting point. */
  private coefficients: Float64Array = new Float64Array(0);
  private readonly inlierResidual: Float32Array;
  private readonly forgetting: number;
  /** Frames separated so far, warm-up included (the noise levels' step depends on it). */
  private seen = 0;
  private readonly sums: ResidualSums;
  private readonly gram: Float64Array;
  private readonly right: Float64Array;
  private readonly sampleFrame: Float32Array;
  private readonly sampleBasis: Float32Array;
  private readonly sampleLevel: Float32Array;
  started = false;

  constructor(values: number, options: IncrementalPcpOptions) {
    this.values = values;
    this.options = options;
    const rank = Math.min(options.rank, values);
    this.subspace = new IncrementalSvd(values, rank);
    this.medianDeviation = new Float32Array(values);
    this.inlierResidual = new Float32Array(values);
    this.sample = randomSample(values, options.samplePixels, options.seed);
    this.forgetting = 2 ** (-1 / options.halfLife);
    this.sums = { projection: new Float64Array(rank), squaredNorm: 0 };
    this.gram = new Float64Array(rank * rank);
    this.right = new Float64Array(rank);
    this.sampleFrame = new Float32Array(this.sample.length);
    this.sampleBasis = new Float32Array(this.sample.length * rank);
    this.sampleLevel = new Float32Array(this.sample.length);
  }

  /** Cold start: the first frame is the background. */
  startFrom(frame: Float32Array): void {
    this.coefficients = this.subspace.start(frame);
    this.medianDeviation.fill(INITIAL_MEDIAN_DEVIATION);
    this.started = true;
  }

  /**
   * Batch initialization on the held frames: the temporal median starts the basis, then one
   * warm-up pass (its outputs go to the scratch arrays and are dropped). The caller separates the
   * frames again afterwards. `checkpoint` runs between frames (abort checks).
   */
  initialize(
    frames: readonly Float32Array[],
    scratchLowRank: Float32Array,
    scratchSparse: Float32Array,
    checkpoint?: () => void,
  ): void {
    temporalMedian(frames, scratchLowRank);
    this.startFrom(scratchLowRank);
    for (const frame of frames) {
      checkpoint?.();
      this.separate(frame, scratchLowRank, scratchSparse);
    }
  }

  /**
   * Splits one frame (float32, `values` long) into lowRank + sparse (lowRank may be the frame
   * itself) and updates the model. Returns the number of foreground values.
   */
  separate(frame: Float32Array, lowRank: Float32Array, sparse: Float32Array): number {
    const { subspace } = this;
    // Coefficients in the stored basis X (U = X M), fitted on the sample.
    const a = this.fitCoefficients(frame);
    this.seen++;
    const up = Math.exp(ADAPTATION / Math.min(Math.max(this.seen, LEARNING_FRAMES), this.options.halfLife));
    const outliers = splitFrame(
      frame,
      subspace.basis,
      subspace.maxRank,
      subspace.rank,
      a,
      this.medianDeviation,
      this.options.threshold * MAD_TO_SIGMA,
      up,
      1 / up,
      LOWEST_MEDIAN_DEVIATION,
      lowRank,
      sparse,
      this.inlierResidual,
    );
    residualSums(this.inlierResidual, subspace.basis, subspace.maxRank, subspace.rank, this.sums);
    // The clean frame x = z - s = U c + q, with q the residual on the background values.
    subspace.append(
      subspace.fromBasis(a),
      this.inlierResidual,
      this.sums.projection,
      this.sums.squaredNorm,
      this.forgetting,
    );
    // The frame's background U c, in the new basis: the next fit starts from it, background() shows it.
    this.coefficients = subspace.lastSpanCoordinates;
    return outliers;
  }

  /**
   * Step 1: the frame's coefficients a in the stored basis X, on the sample, by alternating the l1
   * proximal step and least squares, starting from the previous frame's background.
   */
  private fitCoefficients(frame: Float32Array): Float64Array {
    const { subspace, sample, gram, right } = this;
    const rank = subspace.rank;
    const a = subspace.toBasis(this.coefficients);
    const { sampleFrame, sampleBasis, sampleLevel } = this;
    const count = sample.length;
    gatherSample(
      frame,
      subspace.basis,
      subspace.maxRank,
      rank,
      this.medianDeviation,
      sample,
      sampleFrame,
      sampleBasis,
      sampleLevel,
    );
    sampleGram(sampleBasis, count, rank, gram);
    const g = new Matrix(rank, rank);
    let trace = 0;
    for (let i = 0; i < rank; i++) trace += gram[i * rank + i]!;
    // A whisper of ridge keeps the solve defined if a direction barely touches the sample.
    const ridge = 1e-9 * (trace / rank) + 1e-300;
    for (let i = 0; i < rank; i++)
      for (let j = 0; j < rank; j++) g.set(i, j, gram[i * rank + j]! + (i === j ? ridge : 0));
    const cholesky = new CholeskyDecomposition(g);
    const threshold = this.options.threshold * MAD_TO_SIGMA;
    for (let iteration = 0; iteration < FIT_ITERATIONS; iteration++) {
      sampleRightHandSide(sampleFrame, sampleBasis, sampleLevel, count, rank, threshold, a, right);
      const solved = cholesky.solve(Matrix.columnVector(Array.from(right.subarray(0, rank))));
      for (let i = 0; i < rank; i++) a[i] = solved.get(i, 0);
    }
    return a;
  }

  /** The background of the last separated frame (in the current basis), into out. */
  background(out: Float32Array): Float32Array {
    if (!this.started) return out.fill(0);
    const { subspace } = this;
    reconstruct(subspace.basis, subspace.maxRank, subspace.rank, subspace.toBasis(this.coefficients), out);
    return out;
  }

  /** Each value's noise level (standard deviation of its background residual), into out. */
  noiseLevel(out: Float32Array): Float32Array {
    const m = this.medianDeviation;
    for (let k = 0; k < out.length; k++) out[k] = MAD_TO_SIGMA * m[k]!;
    return out;
  }

  get rank(): number {
    return this.subspace.rank;
  }

  /** Bytes of state (basis, noise levels, residual scratch, sample). */
  get bytes(): number {
    return (
      this.subspace.bytes +
      this.medianDeviation.byteLength +
      this.inlierResidual.byteLength +
      this.sample.byteLength +
      this.sampleFrame.byteLength +
      this.sampleBasis.byteLength +
      this.sampleLevel.byteLength
    );
  }
}

/** `count` distinct indices below n, ascending, from a seeded generator (all of them when count >= n). */
function randomSample(n: number, count: number, seed: number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, k) => k);
  const rng = createRng(seed);
  const picked = new Uint8Array(n);
  let chosen = 0;
  while (chosen < count) {
    const k = Math.floor(rng.next() * n);
    if (!picked[k]) {
      picked[k] = 1;
      chosen++;
    }
  }
  const out = new Int32Array(count);
  for (let k = 0, t = 0; k < n; k++) if (picked[k]) out[t++] = k;
  return out;
}
