import { tmpdir } from 'node:os';
import { basename, resolve } from 'node:path';
import {
  type AnyBatchFactorizer,
  type DenseMatrix,
  type FactorizerRegistry,
  InvalidOptionError,
  type LowRankFactorization,
  MediaError,
  type Progress,
  type SvdFactorsView,
  throwIfAborted,
  validateOptions,
} from '@lowrank/core';
import { checkOutputPath, probeImage, readImage, writeImage } from '@lowrank/io';
import { isVideoPath } from '@lowrank/io/formats';
import {
  allocateKernelMatrix,
  prefaultKernelMatrix,
  releaseKernelMatrixWhenCollected,
  sumOfSquares,
} from '@lowrank/linalg';
import { blockAveragedPreview, previewBlock, reducedPreview } from './block-averaged-preview.js';
import { type CodecPoint, codecAtSize } from './codec-comparison.js';
import { clampedReconstruction, factorBands, type ImageQuality, planeBands } from './image-quality.js';
import { lumaOnThreads, lumaRowsKernel } from './luma-rows-threaded.js';
import {
  checkBudget,
  MemoryBudgetError,
  type MemoryEstimate,
  methodWorkingBytes,
  RUNTIME_BASELINE_BYTES,
  totalBytes,
} from './memory-budget.js';
import { defaultMethods, pickBatchMethod } from './methods.js';
import { withMethodOptionNames } from './option-names.js';
import {
  checkRankRule,
  DEFAULT_COMPRESSION_RANK,
  describeRankRule,
  type RankRule,
  rankBeforeFactorizing,
  rankFromSpectra,
} from './rank-rules.js';
import { prepareQualityThreads } from './ssim-strips-threaded.js';
import { type BandSource, QUALITY_BAND_ROWS, streamingImageQuality } from './streaming-quality.js';

/** `method` value (and the default) that picks by size: the exact SVD, or a partial SVD for big images. */
export const AUTOMATIC_METHOD = 'auto';

/**
 * Images with more pixels than this are compressed by default with a partial SVD (the leading
 * triplets only, by randomized block Krylov SVD in float32): the exact SVD's cost grows as width x
 * height x min(width, height) and stops being interactive around here (measured on this project's 2-core
 * machine under load: 1024 x 768 in 3.2 s, 1280 x 960 in 5.6 s, 1600 x 1200 in 8.7 s, against
 * 1.1, 1.9 and 2.6 s for 100 randomized triplets).
 */
export const EXACT_SVD_MAX_PIXELS = 1024 * 1024;

/** Triplets a partial SVD computes for an energy or PSNR rule when no rank cap is given. */
export const DEFAULT_RANK_CAP = 200;

/** Why a job computed only the leading triplets, and how many. */
export interface PartialSvdInfo {
  /** Triplets computed: the largest rank the result re-slices to. */
  readonly triplets: number;
  /** One sentence for the user (CLI output, panel status). */
  readonly note: string;
}

/** Progress, stages and cancel for a job; every field optional. */
export interface JobControl {
  readonly signal?: AbortSignal;
  /** The stage starting now: probe, decode, factorize, masks, sweep, write. */
  readonly onStage?: (stage: string) => void;
  readonly onProgress?: (progress: Progress) => void;
  /** Told when the work goes on despite a problem worth knowing (a damaged input read in part). */
  readonly onWarning?: (message: string) => void;
  /**
   * Compression: the decoded planes (values in [0, 1]), before any factorization (to show the
   * original at once). A returned promise is awaited: the factorization that follows holds the thread.
   */
  readonly onDecoded?: (planes: readonly DenseMatrix[]) => void | Promise<void>;
  /**
   * Compression on a partial SVD: quick leading factors per channel, for a first preview: the
   * PREVIEW_RANK leading triplets of the image decoded at reduced size (about a megapixel; JPEG
   * shrinks on load), brought back to full size (see reducedPreview), sent before the full decode
   * (and before onDecoded); from the decoded planes averaged over blocks if that decode fails.
   * The factors' rows repeat in runs of `block` (the reduction): every block-th row says it all.
   */
  readonly onPreview?: (factors: readonly SvdFactorsView[], block: number) => void;
  /** Told of a choice the job made for the caller (a method swapped for one that fits). */
  readonly onNote?: (message: string) => void;
  /**
   * Streaming separations: each frame as soon as it is separated, as 8-bit pictures (views that are
   * valid during the call only), so a viewer can show the background emerge.
   */
  readonly onFrame?: (frame: LiveFrame) => void;
}

/** One separated frame, drawn: frames x height x width x channels bytes, the mask one per pixel. */
export interface LiveFrame {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly original: Uint8Array;
  readonly background: Uint8Array;
  readonly foreground: Uint8Array;
  readonly mask?: Uint8Array;
}

/** Krylov depth of the automatic partial SVD (see compressPlanes). */
export const PARTIAL_KRYLOV_DEPTH = 2;

/**
 * The automatic partial SVD's randomized-svd options: block Krylov at depth 2 with blocks as wide as
 * the rank (Musco and Musco's choice), unless the caller chose a scheme, an iteration count or
 * oversamples. 6 passes over the image; on a 6000 x 4000 photo at rank 50 its error is 0.075490,
 * between scikit-learn's with 7 power iterations (16 passes, 0.075479) and 4 power iterations'
 * (10 passes, 0.075501); depth 1 loses 0.8%.
 */
function partialSvdOptions(given: Record<string, unknown> | undefined): Record<string, unknown> {
  if (given?.scheme !== undefined || given?.powerIterations !== undefined || given?.oversamples !== undefined)
    return { ...given };
  return { ...given, scheme: 'block-krylov', powerIterations: PARTIAL_KRYLOV_DEPTH, oversamples: 0 };
}

/** Triplets of the quick first preview of a partial SVD. */
export const PREVIEW_RANK = 10;

export interface CompressImageOptions {
  /**
   * A method name (looked up in `methods`) or a factorizer; must give a low-rank result. Default
   * 'auto' (AUTOMATIC_METHOD): the exact 'svd' up to EXACT_SVD_MAX_PIXELS, above that the leading
   * triplets only ('randomized-svd' on float32 planes, up to the rank cap).
   */
  readonly method?: string | AnyBatchFactorizer;
  /**
   * The largest rank the result can be re-sliced to afterwards (a preview's slider): methods with
   * a rank option factorize up to max(chosen rank, sweep ranks, rankCap). On a partial SVD it also
   * bounds what energy and PSNR rules can reach (default DEFAULT_RANK_CAP there).
   */
  readonly rankCap?: number;
  /** Where method names resolve (built-ins plus plugins); default the built-ins. */
  readonly methods?: FactorizerRegistry;
  /** The rank to report and write; default the method's own default rank, or `defaultRank` where that is 'auto'. */
  readonly rank?: RankRule;
  /** The rank chosen where neither a rule nor the method's default rank gives one (default 50, clamped to the image). */
  readonly defaultRank?: number;
  /** The method's other options (validated against its spec; `rank` there counts as a rank rule). */
  readonly methodOptions?: Record<string, unknown>;
  /** Factorize R, G and B (a colour image) instead of the gray luminance. */
  readonly color?: boolean;
  /** Ranks a later sweep() will ask for: factorize far enough to reach them. */
  readonly sweep?: readonly number[];
  /** Write the reconstruction at the chosen rank here (PNG), checked before any work. */
  readonly out?: string;
  /** Replace an existing `out`. */
  readonly overwrite?: boolean;
  /** Bytes the job may plan to use; default 3/4 of the memory available now. */
  readonly memoryBudgetBytes?: number;
  /** Names options in messages the way the caller's user knows them (CLI flags, settings). */
  readonly optionNames?: Partial<
    Record<'method' | 'rank' | 'rankCap' | 'out' | 'memoryBudget' | 'sweep', string>
  >;
  /** Names the method's own options in messages (default: their keys). */
  readonly methodOptionName?: (key: string) => string;
}

export interface SweepRow {
  readonly rank: number;
  readonly storedNumbers: number;
  readonly compressionRatio: number;
  readonly relativeError: number;
  readonly psnr: number;
  readonly ssim: number;
  /** JPEG / WebP at the quality whose file size is closest to storedNumbers bytes. */
  readonly jpeg: CodecPoint;
  readonly webp: CodecPoint;
  /** Which of the three has the highest PSNR at this size. */
  readonly best: 'svd' | 'jpeg' | 'webp';
}

/** What both front ends report for a compression: the same numbers for the same input and options. */
export interface CompressionSummary {
  input: string;
  width: number;
  height: number;
  channels: number;
  method: string;
  rank: number;
  /** How the rank was chosen. */
  rankRule: string;
  /** The largest rank the result re-slices to without factorizing again. */
  maxRank: number;
  storedNumbers: number;
  originalNumbers: number;
  compressionRatio: number;
  relativeError: number;
  psnr: number;
  ssim: number;
  /** Squared singular values kept over the image's ||M||_F^2 (methods with singular values). */
  energyKept?: number;
  /** Factorization wall-clock seconds (decoding and metrics excluded). */
  seconds: number;
  iterations: number;
  converged: boolean;
  /** Set when only the leading triplets were computed (a big image): how many, and why, in words. */
  partialSvd?: PartialSvdInfo;
  out?: string;
}

/**
 * A finished compression: the image, one low-rank result per channel, and everything the front ends
 * ask of it (metrics and reconstructions at any rank up to maxRank, the PNG, the JPEG/WebP sweep).
 */
export class ImageCompression {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly method: AnyBatchFactorizer;
  /** The rank chosen by the rule (reported, written). */
  readonly rank: number;
  readonly rankRule: string;
  /** The original channels (height x width, values in [0, 1]): one for gray, three for colour. */
  readonly planes: readonly DenseMatrix[];
  readonly results: readonly LowRankFactorization[];
  readonly seconds: number;
  /** What the job planned to hold at its peak (checked against the budget before decoding). */
  memoryEstimate: MemoryEstimate | undefined;
  /** Set when the automatic method computed only the leading triplets. */
  readonly partialSvd: PartialSvdInfo | undefined;
  readonly #options: CompressImageOptions;
  readonly #energy: number;

  constructor(parts: {
    file: string;
    method: AnyBatchFactorizer;
    rank: number;
    rankRule: string;
    planes: readonly DenseMatrix[];
    results: readonly LowRankFactorization[];
    seconds: number;
    options: CompressImageOptions;
    partialSvd?: PartialSvdInfo;
    /** ||planes||_F^2, when the caller has already summed it (a pass over the image less). */
    squaredNorm?: number;
  }) {
    this.file = parts.file;
    this.planes = parts.planes;
    this.height = parts.planes[0]!.rows;
    this.width = parts.planes[0]!.cols;
    this.method = parts.method;
    this.rank = parts.rank;
    this.rankRule = parts.rankRule;
    this.results = parts.results;
    this.seconds = parts.seconds;
    this.#options = parts.options;
    this.partialSvd = parts.partialSvd;
    this.#energy = parts.squaredNorm ?? squaredNormOf(parts.planes);
  }

  get channels(): number {
    return this.planes.length;
  }

  /** min(width, height): the rank of an exact reconstruction. */
  get fullRank(): number {
    return Math.min(this.width, this.height);
  }

  /** The largest rank every channel's result re-slices to. */
  get maxRank(): number {
    return Math.max(1, Math.min(this.fullRank, ...this.results.map((r) => r.rank)));
  }

  /** ||M||_F^2 over the factorized channels: what energy kept is measured against. */
  get squaredNorm(): number {
    return this.#energy;
  }

  get originalNumbers(): number {
    return this.width * this.height * this.channels;
  }

  /** Singular values per channel, when the method reports them. */
  get singularValues(): readonly Float64Array[] | undefined {
    return this.results.every((r) => r.singularValues !== undefined)
      ? this.results.map((r) => r.singularValues!)
      : undefined;
  }

  /** SVD factors per channel, when the method declares them (UIs re-slice the rank from them). */
  get factors(): readonly SvdFactorsView[] | undefined {
    return this.results.every((r) => r.factors !== undefined)
      ? this.results.map((r) => r.factors!)
      : undefined;
  }

  #checkRank(rank: number): number {
    if (!Number.isInteger(rank) || rank < 1 || rank > this.maxRank) {
      throw new InvalidOptionError(
        this.#options.optionNames?.rank ?? 'rank',
        `${rank} is outside 1..${this.maxRank}.`,
        {
          hint: 'Compress again with a larger rank to go beyond it.',
        },
      );
    }
    return rank;
  }

  storedNumbers(rank: number): number {
    const k = this.#checkRank(rank);
    return this.results.reduce((sum, r) => sum + r.storedNumbers(Math.min(k, r.rank)), 0);
  }

  /** The rank-k image, one plane per channel, clamped to [0, 1] (what is shown and saved). */
  reconstruct(rank: number): DenseMatrix<Float64Array>[] {
    const k = this.#checkRank(rank);
    return this.results.map((r) => clampedReconstruction(r, Math.min(k, r.rank)));
  }

  /** Squared singular values kept over ||M||_F^2 (undefined without singular values). */
  energyKept(rank: number): number | undefined {
    const spectra = this.singularValues;
    if (!spectra) return undefined;
    const k = this.#checkRank(rank);
    let head = 0;
    for (const s of spectra) for (let i = 0; i < Math.min(k, s.length); i++) head += s[i]! ** 2;
    return this.#energy === 0 ? 1 : Math.min(1, head / this.#energy);
  }

  /**
   * The clamped rank-k image a band of rows at a time: from the SVD factors when the method has
   * them (never the whole image at once), else from one whole reconstruction.
   */
  bands(rank: number): BandSource {
    const k = this.#checkRank(rank);
    const factors = this.factors;
    if (factors) return factorBands(factors, k);
    return planeBands(this.reconstruct(k));
  }

  /** PSNR, SSIM and relative error of the rank-k image against the original (streamed by bands). */
  quality(rank: number): ImageQuality {
    const k = this.#checkRank(rank);
    const factors = this.factors;
    // The metrics clamp as they read: the bands need not be clamped first.
    const bands = factors ? factorBands(factors, k, { clamp: false }) : this.bands(k);
    return streamingImageQuality(this.planes, bands);
  }

  /** The numbers both front ends show at `rank` (default: the chosen rank). */
  summary(rank = this.rank): CompressionSummary {
    const quality = this.quality(rank);
    const stored = this.storedNumbers(rank);
    const energy = this.energyKept(rank);
    return {
      input: this.file,
      width: this.width,
      height: this.height,
      channels: this.channels,
      method: this.method.meta.name,
      rank,
      rankRule: rank === this.rank ? this.rankRule : `rank ${rank}`,
      maxRank: this.maxRank,
      storedNumbers: stored,
      originalNumbers: this.originalNumbers,
      compressionRatio: this.originalNumbers / stored,
      relativeError: quality.relativeError,
      psnr: quality.psnr,
      ssim: quality.ssim,
      ...(energy === undefined ? {} : { energyKept: energy }),
      seconds: this.seconds,
      iterations: Math.max(...this.results.map((r) => r.diagnostics.iterations)),
      converged: this.results.every((r) => r.diagnostics.converged),
      ...(this.partialSvd ? { partialSvd: this.partialSvd } : {}),
    };
  }

  /** Writes the rank-k reconstruction as a PNG, atomically; never over the input, nor over a file unless `overwrite`. */
  async writeReconstruction(
    rank: number,
    file: string,
    options: { overwrite?: boolean; signal?: AbortSignal } = {},
  ): Promise<string> {
    // Built band by band into float32 planes: the one full-size copy the encoder needs.
    const bands = this.bands(rank);
    const planes = this.planes.map((_, c) => {
      const data = new Float32Array(this.width * this.height);
      for (let first = 0; first < this.height; first += QUALITY_BAND_ROWS) {
        const count = Math.min(QUALITY_BAND_ROWS, this.height - first);
        data.set(bands(c, first, count).subarray(0, count * this.width), first * this.width);
      }
      return { rows: this.height, cols: this.width, data };
    });
    await writeImage(planes.length === 1 ? planes[0]! : planes, file, {
      format: 'png',
      overwrite: options.overwrite ?? false,
      protect: [this.file],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return file;
  }

  /**
   * Rate-distortion rows: each rank against JPEG and WebP at the same size (one byte per stored
   * number, generous to the SVD). Methods without singular values factorize again at each rank.
   */
  async sweep(ranks: readonly number[], control: JobControl = {}): Promise<SweepRow[]> {
    const rows: SweepRow[] = [];
    const sorted = [...new Set(ranks)].sort((a, b) => a - b);
    const option = this.#options.optionNames?.sweep ?? 'sweep';
    for (const k of sorted) {
      if (!Number.isInteger(k) || k < 1 || k > this.fullRank)
        throw new InvalidOptionError(
          option,
          `rank ${k} is outside 1..${this.fullRank} (min(width, height)) for ${this.file}.`,
        );
    }
    for (let i = 0; i < sorted.length; i++) {
      const k = sorted[i]!;
      throwIfAborted(control.signal);
      let at: ImageCompression = this;
      if (!this.singularValues || k > this.maxRank) {
        at = await compressPlanes(
          this.file,
          this.planes,
          this.method,
          { kind: 'rank', value: k },
          this.#options,
          {
            ...(control.signal ? { signal: control.signal } : {}),
          },
          this.partialSvd !== undefined,
        );
      }
      const summary = at.summary(k);
      const jpeg = await codecAtSize(this.planes, 'jpeg', summary.storedNumbers, control.signal);
      const webp = await codecAtSize(this.planes, 'webp', summary.storedNumbers, control.signal);
      const best =
        summary.psnr >= jpeg.psnr && summary.psnr >= webp.psnr
          ? 'svd'
          : jpeg.psnr >= webp.psnr
            ? 'jpeg'
            : 'webp';
      rows.push({
        rank: k,
        storedNumbers: summary.storedNumbers,
        compressionRatio: summary.compressionRatio,
        relativeError: summary.relativeError,
        psnr: summary.psnr,
        ssim: summary.ssim,
        jpeg,
        webp,
        best,
      });
      control.onProgress?.({ fraction: (i + 1) / sorted.length });
    }
    return rows;
  }
}

/** A gray picture stored as RGB would factorize three identical channels: keep one. */
function distinctChannels(channels: readonly DenseMatrix[]): readonly DenseMatrix[] {
  if (channels.length !== 3) return channels;
  const [r, g, b] = channels as [DenseMatrix, DenseMatrix, DenseMatrix];
  for (let k = 0; k < r.data.length; k++)
    if (r.data[k] !== g.data[k] || r.data[k] !== b.data[k]) return channels;
  return [r];
}

/** Method options without `rank`, validated for this shape; the rank is the job's to choose. */
function baseOptions(
  method: AnyBatchFactorizer,
  given: Record<string, unknown> | undefined,
  shape: { rows: number; cols: number },
): Record<string, unknown> {
  const { rank: _rank, ...rest } = given ?? {};
  const validated = validateOptions(method.options, rest, shape) as Record<string, unknown>;
  delete validated.rank;
  // Only what the caller set travels on: defaults stay the method's own.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(rest)) if (rest[key] !== undefined) out[key] = validated[key];
  return out;
}

/** The rank rule in force: the explicit one, else a `rank` among the method options. */
function ruleOf(options: CompressImageOptions): RankRule | undefined {
  if (options.rank) return options.rank;
  const rank = options.methodOptions?.rank;
  if (typeof rank === 'number') return { kind: 'rank', value: rank };
  return undefined;
}

async function factorizeChannels(
  method: AnyBatchFactorizer,
  planes: readonly DenseMatrix[],
  options: Record<string, unknown>,
  control: JobControl,
): Promise<{ results: LowRankFactorization[]; seconds: number }> {
  const results: LowRankFactorization[] = [];
  let seconds = 0;
  for (let c = 0; c < planes.length; c++) {
    throwIfAborted(control.signal);
    const started = performance.now();
    const result = await method.factorize(planes[c]!, options, {
      ...(control.signal ? { signal: control.signal } : {}),
      onProgress: (p) =>
        control.onProgress?.({
          ...p,
          fraction: (c + (p.fraction ?? 0)) / planes.length,
          ...(planes.length > 1 ? { message: `channel ${c + 1} of ${planes.length}` } : {}),
        }),
    });
    seconds += (performance.now() - started) / 1000;
    if (result.kind !== 'low-rank' || typeof result.reconstruct !== 'function') {
      throw new InvalidOptionError(
        'method',
        `"${method.meta.name}" returned a ${String(result.kind)} result; compression needs a low-rank one.`,
      );
    }
    results.push(result);
  }
  return { results, seconds };
}

/** The built-in SVD methods: their results re-slice to any smaller rank, so a rank cap costs no second run. */
const SLICEABLE_METHODS = new Set(['svd', 'randomized-svd']);

function checkRankCap(options: CompressImageOptions): number | undefined {
  const cap = options.rankCap;
  if (cap === undefined) return undefined;
  if (!(Number.isInteger(cap) && cap >= 1))
    throw new InvalidOptionError(options.optionNames?.rankCap ?? 'rankCap', `${cap} is not an integer >= 1.`);
  return cap;
}

/**
 * Factorizes decoded planes under a rank rule: the part of compressImageFile after decoding.
 * `partial`: the automatic method's big-image path (the leading triplets only, up to the rank cap).
 */
async function compressPlanes(
  file: string,
  planes: readonly DenseMatrix[],
  method: AnyBatchFactorizer,
  rule: RankRule | undefined,
  options: CompressImageOptions,
  control: JobControl,
  partial = false,
): Promise<ImageCompression> {
  const rows = planes[0]!.rows;
  const cols = planes[0]!.cols;
  const shape = { rows, cols };
  const minDim = Math.min(rows, cols);
  const rankOption = options.optionNames?.rank ?? 'rank';
  const hasRank = Object.hasOwn(method.options, 'rank');
  if (rule) checkRankRule(rule, rankOption);
  if (rule && !hasRank && (rule.kind === 'rank' || rule.kind === 'target-ratio')) {
    throw new InvalidOptionError(
      rankOption,
      `method "${method.meta.name}" has no rank option, so the rank cannot be chosen.`,
    );
  }
  const base = baseOptions(method, options.methodOptions, shape);
  if (partial) Object.assign(base, partialSvdOptions(base));
  const fixed = rule ? rankBeforeFactorizing(rule, rows, cols) : undefined;
  if (fixed !== undefined && fixed > minDim) {
    throw new InvalidOptionError(
      rankOption,
      `${fixed} is larger than min(width, height) = ${minDim} of ${file}.`,
      {
        hint: `Give a rank from 1 to ${minDim}.`,
      },
    );
  }
  const methodDefault = hasRank
    ? (validateOptions(method.options, {}, shape) as { rank?: unknown }).rank
    : undefined;
  // No rule: the method's default rank when it is a number, else defaultRank (clamped to small images).
  const fallback = options.defaultRank ?? DEFAULT_COMPRESSION_RANK;
  if (!(Number.isInteger(fallback) && fallback >= 1))
    throw new InvalidOptionError('defaultRank', `${fallback} is not an integer >= 1.`);
  // A partial SVD stands in for the exact one: it starts at the exact SVD's default rank, not its own.
  const target = rule
    ? fixed
    : typeof methodDefault === 'number' && !partial
      ? methodDefault
      : hasRank
        ? Math.min(fallback, minDim)
        : undefined;
  const needSpectrum = rule?.kind === 'energy' || rule?.kind === 'target-psnr';
  const sweepMax = Math.max(0, ...(options.sweep ?? []).filter((k) => k <= minDim));
  const cap = SLICEABLE_METHODS.has(method.meta.name) ? checkRankCap(options) : undefined;
  // The rank to factorize at: the whole spectrum for energy/PSNR rules (up to the cap on a partial
  // SVD); else at least the target, the sweep's ranks and the cap. Left to the method when its
  // default is 'auto' and nothing asks for more (the exact SVD computes every triplet anyway, so
  // the slider can reach all of them).
  let factorRank: number | undefined;
  if (hasRank && needSpectrum) factorRank = partial ? Math.min(minDim, cap ?? DEFAULT_RANK_CAP) : minDim;
  else if (hasRank && (rule || typeof methodDefault === 'number' || partial))
    factorRank = Math.min(minDim, Math.max(target ?? 0, sweepMax, cap ?? 0));
  control.onStage?.('factorize');
  if (partial && control.onPreview && factorRank !== undefined) {
    const k = Math.min(PREVIEW_RANK, factorRank);
    control.onPreview(
      planes.map((p) => blockAveragedPreview(p, k, { signal: control.signal })),
      previewBlock(rows, cols),
    );
  }
  let { results, seconds } = await factorizeChannels(
    method,
    planes,
    factorRank === undefined ? base : { ...base, rank: factorRank },
    control,
  );
  const sliceable = results.every((r) => r.singularValues !== undefined);
  let rank: number;
  let unreached = false;
  let energy: number | undefined;
  if (needSpectrum) {
    if (!sliceable) {
      throw new InvalidOptionError(
        rankOption,
        `method "${method.meta.name}" does not report singular values, which a ${rule!.kind} rule needs.`,
        {
          hint: 'Choose the rank directly, or use the svd method.',
        },
      );
    }
    energy = squaredNormOf(planes);
    rank = rankFromSpectra(
      rule!,
      results.map((r) => r.singularValues!),
      energy,
      rows * cols,
    );
    unreached = partial && rank === factorRank && !ruleMet(rule!, results, energy, rows * cols, rank);
  } else {
    rank = Math.min(target ?? Number.POSITIVE_INFINITY, ...results.map((r) => r.rank));
  }
  if (!sliceable && hasRank && factorRank !== undefined && factorRank !== rank) {
    // Not an SVD: a rank-k factorization is not the first k components of a larger one.
    ({ results, seconds } = await factorizeChannels(method, planes, { ...base, rank }, control));
  }
  const capName = options.optionNames?.rankCap ?? 'rankCap';
  const triplets = Math.min(...results.map((r) => r.rank));
  const partialSvd: PartialSvdInfo | undefined = partial
    ? {
        triplets,
        note: `${cols} x ${rows} is over ${(EXACT_SVD_MAX_PIXELS / 2 ** 20).toFixed(0)} megapixel, where the exact SVD stops being interactive: computed only the leading ${triplets} singular triplets (block Krylov SVD, float32); raise ${capName} to reach higher ranks.`,
      }
    : undefined;
  return new ImageCompression({
    file,
    method,
    rank,
    rankRule: unreached
      ? `${describeRankRule(rule, rank)} (not reached within the ${triplets} triplets computed; raise ${capName})`
      : describeRankRule(rule, rank),
    planes,
    results,
    seconds,
    options,
    ...(partialSvd ? { partialSvd } : {}),
    ...(energy === undefined ? {} : { squaredNorm: energy }),
  });
}

/** ||M||_F^2 over the channels: what energy kept is measured against. */
function squaredNormOf(planes: readonly DenseMatrix[]): number {
  return planes.reduce((sum, p) => sum + sumOfSquares(p), 0);
}

/** Whether an energy or PSNR rule holds at `rank` (the spectra pooled as rankFromSpectra pools them). */
function ruleMet(
  rule: RankRule,
  results: readonly LowRankFactorization[],
  total: number,
  pixels: number,
  rank: number,
): boolean {
  let head = 0;
  for (const r of results) for (let i = 0; i < rank; i++) head += r.singularValues![i]! ** 2;
  if (rule.kind === 'energy') return head >= rule.value * total * (1 - 1e-12);
  const mse = Math.max(0, total - head) / (pixels * results.length);
  return mse === 0 || 10 * Math.log10(1 / mse) >= rule.value;
}

/**
 * Sends onPreview the leading triplets of the image decoded at 1/b of its size (see
 * reducedPreview); false, having sent nothing, when that decode fails (the preview then comes from
 * the full planes).
 */
async function previewFromReducedDecode(
  input: string,
  probe: { width: number; height: number },
  channels: number,
  options: CompressImageOptions,
  control: JobControl,
): Promise<boolean> {
  const { width, height } = probe;
  const b = previewBlock(height, width);
  let small: readonly DenseMatrix[];
  try {
    const reduced = await readImage(input, {
      mode: channels === 3 ? 'rgb' : 'gray',
      size: { width: Math.ceil(width / b), height: Math.ceil(height / b) },
      ...(control.signal ? { signal: control.signal } : {}),
    });
    small = distinctChannels(reduced.channels);
  } catch (error) {
    if (control.signal?.aborted) throw error;
    return false;
  }
  const k = Math.min(PREVIEW_RANK, partialRank(options, probe));
  control.onPreview!(
    small.map((p) => reducedPreview(p, k, height, width, b, { signal: control.signal })),
    b,
  );
  return true;
}

function withoutPreview(control: JobControl): JobControl {
  const { onPreview: _sent, ...rest } = control;
  return rest;
}

/** The rank a partial SVD will be asked for, at most (for its memory estimate). */
function partialRank(options: CompressImageOptions, size: { width: number; height: number }): number {
  const rule = ruleOf(options);
  const fixed = rule ? rankBeforeFactorizing(rule, size.height, size.width) : undefined;
  const spectrum = rule !== undefined && fixed === undefined;
  const wanted = Math.max(
    fixed ?? (spectrum ? 0 : (options.defaultRank ?? DEFAULT_COMPRESSION_RANK)),
    spectrum ? (options.rankCap ?? DEFAULT_RANK_CAP) : (options.rankCap ?? 0),
    ...(options.sweep ?? []),
  );
  return Math.max(1, Math.min(wanted, size.width, size.height));
}

/**
 * Bytes a compression of a width x height image with `channels` planes will hold at its peak: the
 * runtime, the decoded planes (and the decoder's buffers while it runs), one channel's working
 * memory as the method states it beside the results of the channels done before, and the output
 * being encoded.
 */
export function estimateCompressionBytes(
  method: AnyBatchFactorizer,
  size: {
    width: number;
    height: number;
    channels: number;
    dtype?: 'float32' | 'float64';
    /** The decoder's pixels go through a spool file (readImage's spoolDirectory), not memory. */
    spooled?: boolean;
  },
  methodOptions: Record<string, unknown> = {},
): MemoryEstimate {
  const element = size.dtype === 'float32' ? 4 : 8;
  const pixels = size.width * size.height;
  const plane = pixels * element;
  const working = methodWorkingBytes(
    method,
    { rows: size.height, cols: size.width, dtype: size.dtype ?? 'float64' },
    methodOptions,
  );
  // Channels factorize one after another: each result (at most its factors at the rank asked, or
  // every triplet) is kept while the next channel works.
  const rank =
    typeof methodOptions.rank === 'number' ? methodOptions.rank : Math.min(size.width, size.height);
  const result = 8 * (size.width + size.height + 1) * rank;
  return {
    runtime: RUNTIME_BASELINE_BYTES,
    // The planes, and while decoding the decoder's 8-bit pixels in colour and in the planes'
    // channels; spooled, libvips' own buffers and the slices read back, bounded by a byte a pixel
    // (a 24-megapixel photo peaked 58 MiB lower than in memory, where its RGB took 69 MiB).
    input: size.channels * plane + pixels * (size.spooled ? 1 : 3 + size.channels),
    working: working + (size.channels - 1) * result,
    // SVD methods: metrics stream by bands; writing holds one float32 plane per channel and the
    // encoder's bytes. Others: a whole reconstruction and its clamped copy per channel.
    outputs: SLICEABLE_METHODS.has(method.meta.name)
      ? size.channels * pixels * 5
      : 2 * size.channels * pixels * 8,
  };
}

/**
 * Compresses an image file with a low-rank method and keeps what the front ends need: the work
 * behind `lowrank compress` and the VS Code compression panel. Checks the output path and the memory
 * budget before decoding.
 */
export async function compressImageFile(
  file: string,
  options: CompressImageOptions = {},
  control: JobControl = {},
): Promise<ImageCompression> {
  const names = options.optionNames ?? {};
  const registry = options.methods ?? (await defaultMethods()).registry;
  const automatic = options.method === undefined || options.method === AUTOMATIC_METHOD;
  const pick = (name: string | AnyBatchFactorizer) =>
    pickBatchMethod(registry, name, ['low-rank'], 'compression', names.method);
  // The automatic choice is made once the size is known; until then the exact SVD stands for it.
  let method = pick(automatic ? 'svd' : options.method!);
  const input = resolve(file);
  const out = options.out === undefined ? undefined : resolve(options.out);
  if (out !== undefined) {
    if (!/\.png$/i.test(out))
      throw new InvalidOptionError(
        names.out ?? 'out',
        `${options.out}: the reconstruction is written as PNG; give a .png file name.`,
      );
    if (out === input)
      throw new InvalidOptionError(
        names.out ?? 'out',
        `${options.out} is the input image; the input is never overwritten.`,
        {
          hint: 'Choose another file name.',
        },
      );
    await checkOutputPath(out, { overwrite: options.overwrite ?? false, protect: [input] });
  }
  throwIfAborted(control.signal);
  if (isVideoPath(input)) {
    throw new MediaError(file, 'is a video; compression takes a still image.', {
      hint: 'Give an image file (to split a video into background and foreground, use separate).',
    });
  }
  control.onStage?.('probe');
  const probe = await probeImage(input);
  const channels = options.color && probe.colour ? 3 : 1;
  const partial = automatic && probe.width * probe.height > EXACT_SVD_MAX_PIXELS;
  if (partial) method = pick('randomized-svd');
  // The partial SVD of a big image works in float32: half the memory, and products twice as fast.
  const dtype = partial ? 'float32' : 'float64';
  // Its gray comes from the decoder through a spool file (readImage's spoolDirectory).
  const spooled = partial && channels === 1;
  const budget = checkBudget(options.memoryBudgetBytes, names.memoryBudget ?? 'memoryBudget');
  const estimated = method;
  // Estimating validates the method's options: name a bad one the caller's way.
  const estimate = await withMethodOptionNames(estimated, options.methodOptionName, () =>
    estimateCompressionBytes(
      estimated,
      { ...probe, channels, dtype, spooled },
      partial
        ? { ...partialSvdOptions(options.methodOptions), rank: partialRank(options, probe) }
        : options.methodOptions,
    ),
  );
  if (totalBytes(estimate) > budget) {
    throw new MemoryBudgetError(
      `${basename(input)} (${probe.width} x ${probe.height}${channels === 3 ? ', colour' : ''})`,
      estimate,
      budget,
      {},
      channels === 3
        ? 'Compress the gray image instead of the colour one, shrink the image, or raise the memory budget.'
        : 'Shrink the image, or raise the memory budget.',
    );
  }
  control.onStage?.('decode');
  // A viewer's first preview, from a decode at reduced size (JPEG shrinks on load: a fraction of the
  // full decode), before the full decode starts.
  const previewed =
    partial && control.onPreview
      ? await previewFromReducedDecode(input, probe, channels, options, control)
      : false;
  const image = await readImage(input, {
    mode: channels === 3 ? 'rgb' : 'gray',
    dtype,
    ...(control.signal ? { signal: control.signal } : {}),
    // A big image's metrics run on linalg's threads: start them while sharp decodes.
    ...(partial ? { onDecodeStarted: () => prepareQualityThreads([lumaRowsKernel]) } : {}),
    ...(spooled
      ? { allocate: kernelImageStorage, convertLuma: lumaOnThreads, spoolDirectory: tmpdir() }
      : {}),
  });
  const planes = distinctChannels(image.channels);
  await control.onDecoded?.(planes);
  const job = await withMethodOptionNames(method, options.methodOptionName, () =>
    compressPlanes(
      input,
      planes,
      method,
      ruleOf(options),
      options,
      previewed ? withoutPreview(control) : control,
      partial,
    ),
  );
  job.memoryEstimate = estimate;
  if (out !== undefined) {
    control.onStage?.('write');
    await job.writeReconstruction(job.rank, out, {
      overwrite: options.overwrite ?? false,
      ...(control.signal ? { signal: control.signal } : {}),
    });
  }
  return job;
}

/**
 * A big gray image's storage in linalg's kernel memory, its pages faulted in on the threads while
 * sharp decodes (readImage's `allocate`): the randomized SVD's products then run on every thread
 * and read the image where it is. Freed once the image is garbage-collected.
 */
function kernelImageStorage(rows: number, cols: number): DenseMatrix {
  const matrix = allocateKernelMatrix(rows, cols, 'float32');
  prefaultKernelMatrix(matrix);
  releaseKernelMatrixWhenCollected(matrix);
  return matrix;
}
