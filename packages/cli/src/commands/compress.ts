import { resolve } from 'node:path';
import {
  type AnyBatchFactorizer,
  type DenseMatrix,
  InvalidInputError,
  InvalidOptionError,
  type LowRankFactorization,
  type Progress,
  rankForCompressionRatio,
  relativeError,
  ssim,
  throwIfAborted,
  zeros,
} from '@lowrank/core';
import { readImage, writeImage } from '@lowrank/io';
import { type FlagDef, getBoolean, getNumber, getString, parseArgs, parseNumberFlag } from '../args.js';
import { type CliIO, EXIT_OK, formatSeconds, printJson } from '../cli-io.js';
import { type CodecPoint, codecAtSize, pooledPsnr } from '../codec-comparison.js';
import type { Command } from '../command.js';
import {
  commandHelp,
  FORCE_FLAG,
  guarded,
  HELP_FLAG,
  JSON_FLAG,
  loadPlugins,
  PLUGIN_FLAG,
  pickMethod,
} from '../command-support.js';
import { pluginFlagDefs, pluginOptionsFromArgs, validatePluginOptions } from '../plugin-flags.js';
import { ProgressBar } from '../progress-bar.js';

const HANDLED = new Set(['rank']);
/** Rank used when no rank flag is given and the method's default rank is 'auto'. */
export const DEFAULT_RANK = 50;

export const COMPRESS_FLAGS: FlagDef[] = [
  {
    name: 'rank',
    kind: 'value',
    valueName: 'K',
    description: 'Keep the first K components.',
    defaultText: "the method's default rank, or 50 when that is auto",
  },
  {
    name: 'energy',
    kind: 'value',
    valueName: 'F',
    description: 'Smallest rank keeping this fraction (0..1] of the squared singular values.',
  },
  {
    name: 'target-psnr',
    kind: 'value',
    valueName: 'DB',
    description: 'Smallest rank whose reconstruction reaches this PSNR in dB.',
  },
  {
    name: 'target-ratio',
    kind: 'value',
    valueName: 'R',
    description: 'Largest rank whose compression ratio (original / stored numbers) is at least R.',
  },
  {
    name: 'method',
    kind: 'value',
    valueName: 'NAME',
    description: 'Factorizer to use (lowrank plugins lists them).',
    defaultText: 'svd',
  },
  {
    name: 'color',
    kind: 'boolean',
    description: 'Compress R, G and B separately (default: gray luminance).',
  },
  {
    name: 'out',
    kind: 'value',
    valueName: 'FILE',
    description: 'Write the reconstruction as a PNG (atomic; refuses to overwrite without --force).',
  },
  {
    name: 'sweep',
    kind: 'value',
    valueName: 'K1,K2,...',
    description: 'Rate-distortion table: each rank against JPEG and WebP at the same size.',
  },
  FORCE_FLAG,
  PLUGIN_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export type RankRule =
  | { readonly kind: 'rank'; readonly value: number }
  | { readonly kind: 'energy'; readonly value: number }
  | { readonly kind: 'target-psnr'; readonly value: number }
  | { readonly kind: 'target-ratio'; readonly value: number };

export interface CompressRequest {
  readonly input: string;
  readonly plugin: AnyBatchFactorizer;
  readonly rule?: RankRule;
  readonly color?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly sweep?: readonly number[];
  /** Plugin options other than rank, as typed on the command line (validated here). */
  readonly pluginOptions?: Record<string, unknown>;
}

export interface SweepRow {
  rank: number;
  storedNumbers: number;
  compressionRatio: number;
  relativeError: number;
  psnr: number;
  ssim: number;
  /** JPEG / WebP at the quality whose file size is closest to storedNumbers bytes. */
  jpeg: CodecPoint;
  webp: CodecPoint;
  /** Which of the three has the highest PSNR at this size. */
  best: 'svd' | 'jpeg' | 'webp';
}

export interface CompressResult {
  input: string;
  width: number;
  height: number;
  channels: number;
  method: string;
  rank: number;
  /** How the rank was chosen. */
  rankRule: string;
  storedNumbers: number;
  originalNumbers: number;
  compressionRatio: number;
  relativeError: number;
  psnr: number;
  ssim: number;
  /** Fraction of the squared singular values kept (SVD-family methods only). */
  energyKept?: number;
  /** Factorization wall-clock seconds (decoding and metrics excluded). */
  seconds: number;
  iterations: number;
  converged: boolean;
  out?: string;
  sweep?: SweepRow[];
  /** How the sweep's sizes compare (stated, not hidden). */
  sweepNote?: string;
}

export interface RunHooks {
  readonly signal?: AbortSignal;
  readonly onStage?: (stage: string) => void;
  readonly onProgress?: (progress: Progress) => void;
}

function clamp01(m: DenseMatrix): DenseMatrix {
  const out = zeros(m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) {
    const v = m.data[k]!;
    out.data[k] = v > 0 ? Math.min(v, 1) : 0;
  }
  return out;
}

function pooledRelativeError(reference: readonly DenseMatrix[], approx: readonly DenseMatrix[]): number {
  if (reference.length === 1) return relativeError(reference[0]!, approx[0]!);
  let num = 0;
  let den = 0;
  reference.forEach((r, c) => {
    const a = approx[c]!;
    for (let k = 0; k < r.data.length; k++) {
      num += (r.data[k]! - a.data[k]!) ** 2;
      den += r.data[k]! ** 2;
    }
  });
  return den === 0 ? (num === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(num / den);
}

/** Rank from pooled spectra of all channels (energy) or pooled tails (PSNR, Eckart-Young). */
function rankFromSpectra(rule: RankRule, spectra: readonly Float64Array[], pixels: number): number {
  const n = Math.min(...spectra.map((s) => s.length));
  let total = 0;
  for (const s of spectra) for (let i = 0; i < s.length; i++) total += s[i]! ** 2;
  let head = 0;
  for (let k = 1; k <= n; k++) {
    for (const s of spectra) head += s[k - 1]! ** 2;
    if (rule.kind === 'energy' && head >= rule.value * total * (1 - 1e-12)) return k;
    if (rule.kind === 'target-psnr') {
      const mse = Math.max(0, total - head) / (pixels * spectra.length);
      const db = mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
      if (db >= rule.value) return k;
    }
  }
  return n;
}

function ruleText(rule: RankRule | undefined, rank: number): string {
  if (!rule) return `default rank ${rank}`;
  if (rule.kind === 'rank') return `--rank ${rule.value}`;
  return `--${rule.kind} ${rule.value} -> rank ${rank}`;
}

async function factorizeChannels(
  plugin: AnyBatchFactorizer,
  channels: readonly DenseMatrix[],
  options: Record<string, unknown>,
  hooks: RunHooks,
): Promise<{ results: LowRankFactorization[]; seconds: number }> {
  const results: LowRankFactorization[] = [];
  let seconds = 0;
  for (let c = 0; c < channels.length; c++) {
    throwIfAborted(hooks.signal);
    const start = performance.now();
    const result = (await plugin.factorize(channels[c]!, options, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: (p) => hooks.onProgress?.({ ...p, fraction: (c + (p.fraction ?? 0)) / channels.length }),
    })) as LowRankFactorization;
    seconds += (performance.now() - start) / 1000;
    if (result.kind !== 'low-rank') {
      throw new InvalidOptionError(
        '--method',
        `"${plugin.meta.name}" returned a ${String(result.kind)} result; compress needs a low-rank one.`,
      );
    }
    results.push(result);
  }
  return { results, seconds };
}

/** Compresses one image with a low-rank factorizer; the work behind `lowrank compress`. */
export async function compressImage(request: CompressRequest, hooks: RunHooks = {}): Promise<CompressResult> {
  const { plugin, rule } = request;
  const hasRankOption = Object.hasOwn(plugin.options, 'rank');
  if (rule && !hasRankOption && rule.kind !== 'energy' && rule.kind !== 'target-psnr') {
    throw new InvalidOptionError(
      `--${rule.kind}`,
      `method "${plugin.meta.name}" has no rank option, so the rank cannot be chosen.`,
    );
  }
  const out = request.out === undefined ? undefined : resolve(request.out);
  if (out && resolve(request.input) === out) {
    throw new InvalidOptionError(
      '--out',
      `${request.out} is the input image; lowrank never overwrites its input.`,
      { hint: 'Choose another file name.' },
    );
  }
  if (out && !/\.png$/i.test(out)) {
    throw new InvalidOptionError(
      '--out',
      `${request.out}: the reconstruction is written as PNG; give a .png file name.`,
    );
  }
  hooks.onStage?.('decode');
  const image = await readImage(request.input, {
    mode: request.color ? 'rgb' : 'gray',
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  const { width, height } = image;
  const channels = image.channels;
  const rows = height;
  const cols = width;
  const minDim = Math.min(rows, cols);
  const shape = { rows, cols };
  const baseOptions = validatePluginOptions(plugin, { ...(request.pluginOptions ?? {}) }, shape);
  delete baseOptions.rank;
  const rankOf = (k: number): Record<string, unknown> =>
    hasRankOption ? { ...baseOptions, rank: k } : baseOptions;
  for (const k of request.sweep ?? []) {
    if (k > minDim)
      throw new InvalidOptionError(
        '--sweep',
        `rank ${k} is larger than min(width, height) = ${minDim} of ${request.input}.`,
      );
  }
  let target: number | undefined;
  if (rule?.kind === 'rank') {
    if (rule.value > minDim) {
      throw new InvalidOptionError(
        '--rank',
        `${rule.value} is larger than min(width, height) = ${minDim} of ${request.input}.`,
        {
          hint: `Give a rank from 1 to ${minDim}.`,
        },
      );
    }
    target = rule.value;
  } else if (rule?.kind === 'target-ratio') {
    target = rankForCompressionRatio(rows, cols, rule.value);
  } else if (!rule && hasRankOption) {
    // The method's default rank when it is a number; 'auto' (often the full rank, which stores
    // more than the image) becomes the classic k = 50, clamped to small images.
    const fallback = validatePluginOptions(plugin, {}, shape).rank;
    target = typeof fallback === 'number' ? fallback : Math.min(DEFAULT_RANK, minDim);
  }
  const needSpectrum = rule?.kind === 'energy' || rule?.kind === 'target-psnr';
  const sweepMax = Math.max(0, ...(request.sweep ?? []));
  const factorRank = needSpectrum ? minDim : Math.max(target ?? 0, sweepMax);

  hooks.onStage?.('factorize');
  let { results, seconds } = await factorizeChannels(
    plugin,
    channels,
    hasRankOption ? rankOf(factorRank) : baseOptions,
    hooks,
  );
  const sliceable = results.every((r) => r.singularValues !== undefined);
  let rank: number;
  if (needSpectrum) {
    if (!sliceable) {
      throw new InvalidOptionError(
        `--${rule!.kind}`,
        `method "${plugin.meta.name}" does not report singular values, which this rule needs.`,
        {
          hint: 'Use --rank or --target-ratio with this method, or --method svd.',
        },
      );
    }
    rank = rankFromSpectra(
      rule!,
      results.map((r) => r.singularValues!),
      rows * cols,
    );
  } else {
    rank = target ?? Math.min(...results.map((r) => r.rank));
  }
  if (!sliceable && hasRankOption && factorRank !== rank) {
    // Not an SVD: a rank-k factorization is not the first k components of a larger one.
    ({ results, seconds } = await factorizeChannels(plugin, channels, rankOf(rank), hooks));
  }
  const reconstruction = results.map((r) => clamp01(r.reconstruct(Math.min(rank, r.rank))));
  const storedNumbers = results.reduce((s, r) => s + r.storedNumbers(Math.min(rank, r.rank)), 0);
  const originalNumbers = rows * cols * channels.length;
  const ssimOf = (rec: readonly DenseMatrix[]) =>
    rec.reduce((s, m, c) => s + ssim(channels[c]!, m), 0) / rec.length;
  const result: CompressResult = {
    input: request.input,
    width,
    height,
    channels: channels.length,
    method: plugin.meta.name,
    rank,
    rankRule: ruleText(rule, rank),
    storedNumbers,
    originalNumbers,
    compressionRatio: originalNumbers / storedNumbers,
    relativeError: pooledRelativeError(channels, reconstruction),
    psnr: pooledPsnr(channels, reconstruction),
    ssim: ssimOf(reconstruction),
    ...(sliceable
      ? {
          energyKept: pooledEnergy(
            results.map((r) => r.singularValues!),
            channels,
            rank,
          ),
        }
      : {}),
    seconds,
    iterations: Math.max(...results.map((r) => r.diagnostics.iterations)),
    converged: results.every((r) => r.diagnostics.converged),
  };

  if (request.sweep?.length) {
    hooks.onStage?.('sweep');
    const rowsOut: SweepRow[] = [];
    const ranks = [...new Set(request.sweep)].sort((a, b) => a - b);
    for (let i = 0; i < ranks.length; i++) {
      const k = ranks[i]!;
      throwIfAborted(hooks.signal);
      const source = sliceable ? results : (await factorizeChannels(plugin, channels, rankOf(k), {})).results;
      const rec = source.map((r) => clamp01(r.reconstruct(Math.min(k, r.rank))));
      const stored = source.reduce((s, r) => s + r.storedNumbers(Math.min(k, r.rank)), 0);
      const jpeg = await codecAtSize(channels, 'jpeg', stored, hooks.signal);
      const webp = await codecAtSize(channels, 'webp', stored, hooks.signal);
      const svdPsnr = pooledPsnr(channels, rec);
      const best =
        svdPsnr >= jpeg.psnr && svdPsnr >= webp.psnr ? 'svd' : jpeg.psnr >= webp.psnr ? 'jpeg' : 'webp';
      rowsOut.push({
        rank: k,
        storedNumbers: stored,
        compressionRatio: originalNumbers / stored,
        relativeError: pooledRelativeError(channels, rec),
        psnr: svdPsnr,
        ssim: ssimOf(rec),
        jpeg,
        webp,
        best,
      });
      hooks.onProgress?.({ fraction: (i + 1) / ranks.length });
    }
    result.sweep = rowsOut;
    const svdWins = rowsOut.filter((r) => r.best === 'svd').map((r) => r.rank);
    result.sweepNote =
      'JPEG/WebP are matched to the SVD at one byte per stored number (generous to the SVD, whose factors need more than 8 bits). ' +
      (svdWins.length
        ? `The SVD has the best PSNR only at rank ${svdWins.join(', ')}.`
        : 'JPEG or WebP has the better PSNR at every rank here.');
  }

  if (out) {
    hooks.onStage?.('write');
    await writeImage(reconstruction.length === 1 ? reconstruction[0]! : reconstruction, out, {
      overwrite: request.force ?? false,
      protect: [request.input],
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
    result.out = out;
  }
  return result;
}

/** Squared singular values kept over ||M||_F^2: exact even when only the first singular values were computed. */
function pooledEnergy(
  spectra: readonly Float64Array[],
  channels: readonly DenseMatrix[],
  rank: number,
): number {
  let head = 0;
  let total = 0;
  for (const s of spectra) for (let i = 0; i < Math.min(rank, s.length); i++) head += s[i]! ** 2;
  for (const c of channels) for (let k = 0; k < c.data.length; k++) total += c.data[k]! ** 2;
  return total === 0 ? 1 : Math.min(1, head / total);
}

/** Reads the rank flags, refusing more than one. */
export function rankRuleFromArgs(args: Parameters<typeof getString>[0]): RankRule | undefined {
  const given = (['rank', 'energy', 'target-psnr', 'target-ratio'] as const).filter(
    (f) => getString(args, f) !== undefined,
  );
  if (given.length > 1) {
    throw new InvalidOptionError(
      `--${given[1]}`,
      `conflicts with --${given[0]}: give only one of --rank, --energy, --target-psnr, --target-ratio.`,
    );
  }
  const which = given[0];
  if (which === undefined) return undefined;
  if (which === 'rank') return { kind: 'rank', value: getNumber(args, 'rank', { integer: true, min: 1 })! };
  if (which === 'energy')
    return { kind: 'energy', value: getNumber(args, 'energy', { min: 0, max: 1, exclusiveMin: true })! };
  if (which === 'target-psnr')
    return { kind: 'target-psnr', value: getNumber(args, 'target-psnr', { min: 0, exclusiveMin: true })! };
  return { kind: 'target-ratio', value: getNumber(args, 'target-ratio', { min: 0, exclusiveMin: true })! };
}

export function parseSweep(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    throw new InvalidOptionError(
      '--sweep',
      'needs a comma-separated list of ranks, like --sweep 5,10,20,50.',
    );
  return parts.map((p) => parseNumberFlag('sweep', p, { integer: true, min: 1 }));
}

function printSummary(io: CliIO, r: CompressResult): void {
  const lines = [
    `${r.input}: ${r.width}x${r.height}, ${r.channels === 1 ? 'gray' : 'RGB'}; method ${r.method}, rank ${r.rank} (${r.rankRule})`,
    `stored ${r.storedNumbers} of ${r.originalNumbers} numbers: compression ratio ${r.compressionRatio.toFixed(2)}x`,
    `PSNR ${r.psnr.toFixed(2)} dB, SSIM ${r.ssim.toFixed(4)}, relative error ${r.relativeError.toExponential(3)}${r.energyKept !== undefined ? `, energy kept ${(r.energyKept * 100).toFixed(2)}%` : ''}`,
    `factorization ${formatSeconds(r.seconds)}`,
  ];
  if (r.sweep) {
    lines.push('', 'rank  numbers  ratio   SVD dB | JPEG bytes  dB (q) | WebP bytes  dB (q) | best');
    for (const s of r.sweep) {
      lines.push(
        `${String(s.rank).padStart(4)} ${String(s.storedNumbers).padStart(8)} ${s.compressionRatio.toFixed(2).padStart(6)} ${s.psnr.toFixed(2).padStart(8)} | ` +
          `${String(s.jpeg.bytes).padStart(10)} ${s.jpeg.psnr.toFixed(2).padStart(6)} (${s.jpeg.quality}) | ${String(s.webp.bytes).padStart(10)} ${s.webp.psnr.toFixed(2).padStart(6)} (${s.webp.quality}) | ${s.best}`,
      );
    }
    lines.push(r.sweepNote ?? '');
  }
  if (r.out) lines.push(`wrote ${r.out}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

export const compressCommand: Command = {
  name: 'compress',
  summary: 'Compress an image with a rank-k factorization; report ratio, PSNR, SSIM; compare with JPEG/WebP.',
  run: (argv, io) =>
    guarded(io, async () => {
      const loaded = await loadPlugins(argv, io);
      const plugin = pickMethod(loaded, argv, 'svd', ['low-rank'], 'compress');
      const pluginFlags = pluginFlagDefs(plugin, HANDLED);
      const args = parseArgs(
        argv,
        [...COMPRESS_FLAGS, ...pluginFlags.filter((f) => !COMPRESS_FLAGS.some((c) => c.name === f.name))],
        'compress',
      );
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage:
              'lowrank compress <image> [--rank K | --energy F | --target-psnr DB | --target-ratio R] [--method NAME] [--color] [--out FILE] [--sweep K1,K2,...] [--json]',
            description:
              'Factorizes the image (gray, or each of R, G, B with --color), keeps rank k and reports what it costs and how close it stays.',
            flags: COMPRESS_FLAGS,
            plugin,
            pluginFlags,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length !== 1) {
        throw new InvalidInputError(
          args.positionals.length === 0
            ? 'lowrank compress needs an image file (lowrank compress IMAGE).'
            : `lowrank compress takes one image, got ${args.positionals.length}: ${args.positionals.join(' ')}.`,
        );
      }
      const json = getBoolean(args, 'json');
      const bar = new ProgressBar(io.stderr, !json && io.stdoutIsTTY);
      const result = await compressImage(
        {
          input: resolve(io.cwd, args.positionals[0]!),
          plugin,
          rule: rankRuleFromArgs(args),
          color: getBoolean(args, 'color'),
          ...(getString(args, 'out') !== undefined ? { out: resolve(io.cwd, getString(args, 'out')!) } : {}),
          force: getBoolean(args, 'force'),
          ...(getString(args, 'sweep') !== undefined ? { sweep: parseSweep(getString(args, 'sweep')) } : {}),
          pluginOptions: pluginOptionsFromArgs(plugin, args, HANDLED),
        },
        { signal: io.signal, onStage: (s) => bar.stage(s), onProgress: bar.onProgress },
      );
      bar.done();
      if (json) printJson(io, result);
      else printSummary(io, result);
      return EXIT_OK;
    }),
};
