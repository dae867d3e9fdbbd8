import type { DenseMatrix, DType, MatrixData, MatrixInput } from './matrix.js';
import type { OptionsSpec } from './options.js';

/** The plugin API version this release of @lowrank/core speaks. */
export const API_VERSION = 1 as const;

export interface FactorizerMeta {
  /** Stable key, kebab-case (`randomized-svd`); what users type after --method. */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** The Factorizer contract version the plugin was written against. */
  readonly apiVersion: typeof API_VERSION;
  readonly displayName: string;
  readonly description: string;
}

/** What a batch factorizer's result supports. */
export type FactorizationKind = 'low-rank' | 'low-rank-plus-sparse';
/** Every kind of plugin: the two batch kinds, and 'streaming' (frames in, background and foreground frames out). */
export type PluginKind = FactorizationKind | 'streaming';

/** Reported by long work; every field but `fraction` optional. */
export interface Progress {
  /** 0..1 when known. */
  readonly fraction?: number;
  readonly iteration?: number;
  readonly maxIterations?: number;
  readonly residual?: number;
  readonly rank?: number;
  /** Fraction of non-zero entries of S, for low-rank-plus-sparse methods. */
  readonly sparsity?: number;
  readonly message?: string;
}

export interface RunControl {
  /** Checked at least once per iteration; an aborted run rejects with AbortError. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
}

export interface Diagnostics {
  readonly iterations: number;
  readonly converged: boolean;
  /** Relative residual the method reports (e.g. ||M - L - S||_F / ||M||_F); 0 for direct methods. */
  readonly residual: number;
  /** Wall-clock time of factorize(). */
  readonly milliseconds: number;
  /** Residual after each iteration, for convergence charts (optional). */
  readonly history?: readonly number[];
}

interface FactorizationBase {
  readonly kind: FactorizationKind;
  /** Shape of the input. */
  readonly rows: number;
  readonly cols: number;
  readonly diagnostics: Diagnostics;
}

/**
 * The truncated SVD behind a low-rank result: M ~ U diag(s) V^T with U rows x rank and V cols x rank
 * (row-major), s descending. UIs re-slice the rank from it without factorizing again.
 */
export interface SvdFactorsView {
  readonly u: DenseMatrix;
  readonly s: Float64Array;
  readonly v: DenseMatrix;
}

/**
 * A low-rank result: M ~ reconstruct(rank). Methods that produce an SVD expose singular values and
 * factors so that UIs can re-slice the rank without factorizing again.
 */
export interface LowRankFactorization extends FactorizationBase {
  readonly kind: 'low-rank';
  /** The rank computed (the largest rank reconstruct() accepts). */
  readonly rank: number;
  /** Descending, when the method has them (SVD family). */
  readonly singularValues?: Float64Array;
  /** The factors, when the result is a truncated SVD (reconstruct(k) = U_k diag(s_k) V_k^T). */
  readonly factors?: SvdFactorsView;
  /** The rank-k approximation, k <= rank (default: rank). A new matrix each call. */
  reconstruct(rank?: number): DenseMatrix;
  /** Numbers stored to rebuild the rank-k approximation (k(m+n+1) for an SVD). */
  storedNumbers(rank?: number): number;
}

/** A low-rank plus sparse split: M = lowRank + sparse (+ small residual). */
export interface LowRankPlusSparseFactorization extends FactorizationBase {
  readonly kind: 'low-rank-plus-sparse';
  readonly lowRank: DenseMatrix;
  readonly sparse: DenseMatrix;
  /** Rank of lowRank. */
  readonly rank: number;
}

export type Factorization = LowRankFactorization | LowRankPlusSparseFactorization;

export type ResultOfKind<K extends FactorizationKind> = K extends 'low-rank'
  ? LowRankFactorization
  : LowRankPlusSparseFactorization;

/** The shape of a batch input, known before its data is read: enough to state a memory need. */
export interface InputShape {
  readonly rows: number;
  readonly cols: number;
  /** Element type of the input matrix (default float64). */
  readonly dtype?: DType;
  /** For a video (frames x pixels): values per pixel, 1 gray or 3 RGB interleaved (default 1). */
  readonly channels?: number;
}

/**
 * A factorization method as a plain object. Plugins are written against this interface alone.
 * `O` is the plugin's options object; `options` describes every key of it.
 */
export interface Factorizer<O = Record<string, unknown>, R extends Factorization = Factorization> {
  readonly meta: FactorizerMeta;
  readonly kind: R['kind'];
  readonly options: OptionsSpec<O>;
  factorize(matrix: MatrixInput, options?: Partial<O>, run?: RunControl): Promise<R>;
  /**
   * Bytes factorize() holds at its peak for an input of this shape, the input itself not counted:
   * working matrices, the result, kernel memory. Pipelines check it against the memory budget before
   * reading the input. Optional; without it they assume a generous multiple of the input.
   */
  estimateWorkingBytes?(shape: InputShape, options?: Partial<O>): number;
}

/** The size of one frame of a stream: width x height pixels of `channels` values (1 gray, 3 RGB interleaved). */
export interface FrameShape {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** One frame split in two: lowRank (the background) + sparse (the foreground) = the frame. */
export interface SeparatedFrame {
  /** 0-based position of the input frame, in push order. */
  readonly index: number;
  readonly lowRank: MatrixData;
  readonly sparse: MatrixData;
}

export interface StreamingDiagnostics {
  /** Frames separated so far. */
  readonly frames: number;
  /** Rank of the current background model. */
  readonly rank: number;
  /** Bytes of state held now (bounded by the frame size and the options, never by the frame count). */
  readonly stateBytes: number;
  /** Time spent in push() and finish(). */
  readonly milliseconds: number;
}

/**
 * One separation in progress. Frames go in one at a time and come out in the same order, each
 * exactly once: push() may hold frames back (a method that initializes on its first frames does)
 * and finish() returns the rest. The arrays of a returned frame may be reused by the next call:
 * copy what you keep.
 */
export interface StreamingSeparation {
  /**
   * Separates the next frame (values in [0, 1], width x height x channels of them). A frame of
   * another length is refused with an InvalidInputError naming its index.
   */
  push(frame: MatrixData): readonly SeparatedFrame[] | Promise<readonly SeparatedFrame[]>;
  /** No more frames: returns the frames still held back. */
  finish(): readonly SeparatedFrame[] | Promise<readonly SeparatedFrame[]>;
  /** The current background estimate, one frame (a still of the scene without what moves). */
  background(): MatrixData;
  /**
   * Optional: the noise level the model holds now for each value of a frame (a standard deviation
   * of the background's residual, >= 0), for mask rules that threshold |sparse| per pixel rather
   * than per frame: a swaying tree or an edge under camera shake earns a higher level than a still
   * wall. Same length and reuse rule as a returned frame.
   */
  noiseLevel?(): MatrixData;
  diagnostics(): StreamingDiagnostics;
}

/**
 * A streaming separator as a plain object: video of any length in memory bounded by the frame
 * size. `open` validates the options (InvalidOptionError naming the option) and starts a separation.
 */
export interface StreamingFactorizer<O = Record<string, unknown>> {
  readonly meta: FactorizerMeta;
  readonly kind: 'streaming';
  readonly options: OptionsSpec<O>;
  open(frame: FrameShape, options?: Partial<O>, run?: RunControl): StreamingSeparation;
  /** Bytes a separation of frames of this shape holds at its peak (its state and the frames it returns). */
  estimateWorkingBytes?(frame: FrameShape, options?: Partial<O>): number;
}

// biome-ignore lint/suspicious/noExplicitAny: registries hold plugins of every options type.
type AnyOptions = any;
/** Any batch factorizer, whatever its options type. */
export type AnyBatchFactorizer = Factorizer<AnyOptions, Factorization>;
/** Any streaming factorizer, whatever its options type. */
export type AnyStreamingFactorizer = StreamingFactorizer<AnyOptions>;
/** Any plugin (what registries and UIs hold). */
export type AnyFactorizer = AnyBatchFactorizer | AnyStreamingFactorizer;

export function isStreamingFactorizer(plugin: AnyFactorizer): plugin is AnyStreamingFactorizer {
  return plugin.kind === 'streaming';
}

export function isBatchFactorizer(plugin: AnyFactorizer): plugin is AnyBatchFactorizer {
  return plugin.kind !== 'streaming';
}

/** Identity helper that type-checks a plugin object and infers its options type. */
export function defineFactorizer<O, R extends Factorization>(plugin: Factorizer<O, R>): Factorizer<O, R> {
  return plugin;
}

/** Identity helper that type-checks a streaming plugin object and infers its options type. */
export function defineStreamingFactorizer<O>(plugin: StreamingFactorizer<O>): StreamingFactorizer<O> {
  return plugin;
}
