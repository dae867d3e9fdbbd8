import type { DenseMatrix, MatrixInput } from './matrix.js';
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

export type FactorizationKind = 'low-rank' | 'low-rank-plus-sparse';

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
 * A low-rank result: M ~ reconstruct(rank). Methods that produce an SVD expose singular values and
 * factors so that UIs can re-slice the rank without factorizing again.
 */
export interface LowRankFactorization extends FactorizationBase {
  readonly kind: 'low-rank';
  /** The rank computed (the largest rank reconstruct() accepts). */
  readonly rank: number;
  /** Descending, when the method has them (SVD family). */
  readonly singularValues?: Float64Array;
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

/**
 * A factorization method as a plain object. Plugins are written against this interface alone.
 * `O` is the plugin's options object; `options` describes every key of it.
 */
export interface Factorizer<O = Record<string, unknown>, R extends Factorization = Factorization> {
  readonly meta: FactorizerMeta;
  readonly kind: R['kind'];
  readonly options: OptionsSpec<O>;
  factorize(matrix: MatrixInput, options?: Partial<O>, run?: RunControl): Promise<R>;
}

/** Any factorizer, whatever its options type (what registries and UIs hold). */
// biome-ignore lint/suspicious/noExplicitAny: registries hold plugins of every options type.
export type AnyFactorizer = Factorizer<any, Factorization>;

/** Identity helper that type-checks a plugin object and infers its options type. */
export function defineFactorizer<O, R extends Factorization>(plugin: Factorizer<O, R>): Factorizer<O, R> {
  return plugin;
}
