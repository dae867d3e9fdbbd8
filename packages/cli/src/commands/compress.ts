import { resolve } from 'node:path';
import { type AnyBatchFactorizer, InvalidInputError, InvalidOptionError, toKebabCase } from '@lowrank/core';
import {
  AUTOMATIC_METHOD,
  type CompressionSummary,
  compressImageFile,
  DEFAULT_RANK_CAP,
  EXACT_SVD_MAX_PIXELS,
  type JobControl,
  type RankRule,
  type SweepRow,
} from '@lowrank/pipelines';
import {
  type FlagDef,
  getBoolean,
  getNumber,
  getString,
  parseArgs,
  parseNumberFlag,
  scanFlagValues,
} from '../args.js';
import { type CliIO, EXIT_OK, formatSeconds, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import {
  commandHelp,
  FORCE_FLAG,
  guarded,
  HELP_FLAG,
  JSON_FLAG,
  loadPlugins,
  MEMORY_BUDGET_FLAG,
  memoryBudgetFromArgs,
  PLUGIN_FLAG,
  pickMethod,
  progressFor,
} from '../command-support.js';
import { pluginFlagDefs, pluginOptionsFromArgs } from '../plugin-flags.js';

const HANDLED = new Set(['rank']);

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
    description: `Factorizer to use (lowrank plugins lists them), or ${AUTOMATIC_METHOD}: svd up to ${EXACT_SVD_MAX_PIXELS / 2 ** 20} megapixel, above that the leading triplets only (randomized-svd, block Krylov scheme, in float32).`,
    defaultText: AUTOMATIC_METHOD,
  },
  {
    name: 'rank-cap',
    kind: 'value',
    valueName: 'N',
    description: `Compute at least N triplets (SVD methods), and at most N for --energy/--target-psnr on a big image's partial SVD.`,
    defaultText: `the rank asked for; ${DEFAULT_RANK_CAP} for --energy/--target-psnr on a big image`,
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
  MEMORY_BUDGET_FLAG,
  PLUGIN_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export interface CompressRequest {
  readonly input: string;
  /** The method; undefined chooses by size (the exact SVD, or a partial one for a big image). */
  readonly plugin?: AnyBatchFactorizer | undefined;
  readonly rankCap?: number | undefined;
  readonly rule?: RankRule | undefined;
  readonly color?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly sweep?: readonly number[];
  /** Plugin options other than rank, as typed on the command line. */
  readonly pluginOptions?: Record<string, unknown>;
  readonly memoryBudgetBytes?: number;
}

export interface CompressResult extends CompressionSummary {
  sweep?: SweepRow[];
  /** How the sweep's sizes compare (stated, not hidden). */
  sweepNote?: string;
}

/** The work behind `lowrank compress`: the shared compression pipeline, named with the CLI's flags. */
export async function compressWithFlags(
  request: CompressRequest,
  control: JobControl = {},
): Promise<CompressResult> {
  const rankFlag = request.rule ? `--${request.rule.kind}` : '--rank';
  const job = await compressImageFile(
    request.input,
    {
      method: request.plugin ?? AUTOMATIC_METHOD,
      ...(request.rule ? { rank: request.rule } : {}),
      ...(request.rankCap !== undefined ? { rankCap: request.rankCap } : {}),
      methodOptions: request.pluginOptions ?? {},
      color: request.color ?? false,
      ...(request.sweep ? { sweep: request.sweep } : {}),
      ...(request.out !== undefined ? { out: request.out, overwrite: request.force ?? false } : {}),
      ...(request.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: request.memoryBudgetBytes } : {}),
      optionNames: {
        method: '--method',
        rank: rankFlag,
        rankCap: '--rank-cap',
        out: '--out',
        sweep: '--sweep',
        memoryBudget: '--memory-budget',
      },
      methodOptionName: (key) => `--${toKebabCase(key)}`,
    },
    control,
  );
  const result: CompressResult = {
    ...job.summary(),
    ...(request.out !== undefined ? { out: resolve(request.out) } : {}),
  };
  if (request.sweep?.length) {
    control.onStage?.('sweep');
    const rows = await job.sweep(request.sweep, control);
    const svdWins = rows.filter((r) => r.best === 'svd').map((r) => r.rank);
    result.sweep = rows;
    result.sweepNote =
      'JPEG/WebP are matched to the SVD at one byte per stored number (generous to the SVD, whose factors need more than 8 bits). ' +
      (svdWins.length
        ? `The SVD has the best PSNR only at rank ${svdWins.join(', ')}.`
        : 'JPEG or WebP has the better PSNR at every rank here.');
  }
  return result;
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
  if (r.partialSvd) lines.push(`partial SVD: ${r.partialSvd.note}`);
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
      const named = scanFlagValues(argv, 'method');
      const automatic = named.length === 0 || (named.length === 1 && named[0] === AUTOMATIC_METHOD);
      // The automatic choice shows the exact SVD's flags (it has no others of its own).
      const plugin = pickMethod(loaded, automatic ? [] : argv, 'svd', ['low-rank'], 'compress');
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
              'lowrank compress <image> [--rank K | --energy F | --target-psnr DB | --target-ratio R] [--method NAME] [--rank-cap N] [--color] [--out FILE] [--sweep K1,K2,...] [--json]',
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
      const bar = progressFor(io, json);
      const budget = memoryBudgetFromArgs(args);
      const result = await compressWithFlags(
        {
          input: resolve(io.cwd, args.positionals[0]!),
          plugin: automatic ? undefined : plugin,
          rankCap: getNumber(args, 'rank-cap', { integer: true, min: 1 }),
          rule: rankRuleFromArgs(args),
          color: getBoolean(args, 'color'),
          ...(getString(args, 'out') !== undefined ? { out: resolve(io.cwd, getString(args, 'out')!) } : {}),
          force: getBoolean(args, 'force'),
          ...(getString(args, 'sweep') !== undefined ? { sweep: parseSweep(getString(args, 'sweep')) } : {}),
          pluginOptions: pluginOptionsFromArgs(plugin, args, HANDLED),
          ...(budget !== undefined ? { memoryBudgetBytes: budget } : {}),
        },
        { signal: io.signal, onStage: (s) => bar.stage(s), onProgress: bar.onProgress },
      );
      bar.done();
      if (json) printJson(io, result);
      else printSummary(io, result);
      return EXIT_OK;
    }),
};
