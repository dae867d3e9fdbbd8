import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { type AnyFactorizer, InvalidInputError, toKebabCase } from '@lowrank/core';
import {
  type FittingSize,
  type JobControl,
  type SeparationSummary,
  type StreamedSeparation,
  separateVideo,
  type VideoSeparation,
} from '@lowrank/pipelines';
import { type FlagDef, getBoolean, getNumber, getString, parseArgs } from '../args.js';
import { EXIT_OK, formatSeconds, printJson } from '../cli-io.js';
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
  pickSeparation,
  progressFor,
} from '../command-support.js';
import { pluginFlagDefs, pluginOptionsFromArgs } from '../plugin-flags.js';

const HANDLED = new Set(['rank']);

export const SEPARATE_FLAGS: FlagDef[] = [
  {
    name: 'method',
    kind: 'value',
    valueName: 'NAME',
    description:
      "rpca (robust PCA), streaming-rpca (frame by frame, constant memory), svd-background (rank-k SVD), or a plugin's method.",
    defaultText: 'rpca',
  },
  {
    name: 'rank',
    kind: 'value',
    valueName: 'K',
    description:
      'Rank of the background, for methods with a rank option (a low-rank method whose default is auto gets 2).',
  },
  {
    name: 'scale',
    kind: 'value',
    valueName: 'S',
    description: 'Resize frames by this factor before factorizing (0.5 = half size).',
    defaultText: '1',
  },
  {
    name: 'start',
    kind: 'value',
    valueName: 'N',
    description: '0-based index of the first frame, in sorted order.',
    defaultText: '0',
  },
  {
    name: 'count',
    kind: 'value',
    valueName: 'N',
    description: 'Number of frames to use.',
    defaultText: 'all',
  },
  { name: 'color', kind: 'boolean', description: 'Read frames in colour (RGB) instead of gray.' },
  {
    name: 'masks-only',
    kind: 'boolean',
    description: 'Write the mask PNGs (and summary.json, matrix.png) but no videos: the fastest output.',
  },
  {
    name: 'masks',
    kind: 'boolean',
    description: 'Write binary foreground masks: OUT/mask.mp4 and OUT/masks/<frame name>.png.',
  },
  {
    name: 'out',
    kind: 'value',
    valueName: 'DIR',
    description: 'Output folder (written atomically; refused if it exists unless --force).',
    defaultText: '<input>-lowrank beside the input',
  },
  FORCE_FLAG,
  MEMORY_BUDGET_FLAG,
  PLUGIN_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export interface SeparateRequest {
  readonly input: string;
  readonly plugin: AnyFactorizer;
  /** False when --method was not given: the pipeline may then stream a run the default would not fit. */
  readonly explicit?: boolean;
  readonly rank?: number;
  readonly scale?: number;
  readonly start?: number;
  readonly count?: number;
  readonly color?: boolean;
  readonly masks?: boolean;
  /** Masks and the summary only, no videos. */
  readonly masksOnly?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly pluginOptions?: Record<string, unknown>;
  readonly memoryBudgetBytes?: number;
}

export interface SeparateResult extends SeparationSummary {
  /** Number of mask PNGs in outDir/masks/ (with --masks). */
  maskFiles?: number;
  /** Decode + factorize + write. */
  seconds: number;
  outDir: string;
  files: string[];
}

export interface SeparateHooks extends JobControl {
  /** Told where the output goes when it had to move away from a read-only input folder. */
  readonly onNote?: (message: string) => void;
}

/**
 * Writable for us, and not marked read-only: a folder without any write bit (a shared data set)
 * counts as read-only even when running as root, which access() would let through.
 */
async function isWritable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return ((await stat(dir)).mode & 0o222) !== 0;
  } catch {
    return false;
  }
}

/** `<parent>/<name>-lowrank`, or the same name in the working directory when the parent is read-only. */
export async function defaultOutDir(input: string, cwd: string): Promise<{ dir: string; moved: boolean }> {
  const absolute = resolve(cwd, input);
  const name = `${basename(absolute, extname(absolute))}-lowrank`;
  const parent = dirname(absolute);
  if (await isWritable(parent)) return { dir: join(parent, name), moved: false };
  return { dir: join(cwd, name), moved: true };
}

/** How the CLI words a memory refusal: the flags that exist, with values that fit. */
function cliAdvice(fits: FittingSize): string {
  const ways: string[] = [];
  if (fits.scale !== undefined) ways.push(`--scale ${fits.scale}`);
  if (fits.frames !== undefined) ways.push(`--count ${fits.frames}`);
  if (fits.streamingMethod !== undefined)
    ways.push(`--method ${fits.streamingMethod} (any length, in constant memory)`);
  return ways.length
    ? `Use ${ways.length > 1 ? `${ways.slice(0, -1).join(', ')} or ${ways.at(-1)}` : ways[0]}; or raise --memory-budget MB if the machine has the memory.`
    : 'Nothing this size fits; raise --memory-budget MB if the machine has the memory.';
}

/** Splits a video into background and foreground; `lowrank separate` over the shared pipeline. */
export async function separateWithFlags(
  request: SeparateRequest,
  cwd: string,
  hooks: SeparateHooks = {},
): Promise<{ result: SeparateResult; separation: VideoSeparation | StreamedSeparation }> {
  const started = performance.now();
  let outDir: string;
  let note: string | undefined;
  if (request.out !== undefined) {
    outDir = resolve(cwd, request.out);
  } else {
    const chosen = await defaultOutDir(request.input, cwd);
    outDir = chosen.dir;
    if (chosen.moved)
      note = `${dirname(resolve(cwd, request.input))} is read-only; writing to ${outDir} instead.`;
  }
  // The note is worth reading only once the request has passed its checks and work starts.
  const onStage = (stage: string) => {
    if (note !== undefined) hooks.onNote?.(note);
    note = undefined;
    hooks.onStage?.(stage);
  };
  const separation = await separateVideo(
    resolve(cwd, request.input),
    {
      ...(request.explicit === false ? {} : { method: request.plugin }),
      ...(request.rank !== undefined ? { rank: request.rank } : {}),
      methodOptions: request.pluginOptions ?? {},
      ...(request.scale !== undefined ? { scale: request.scale } : {}),
      ...(request.start !== undefined ? { start: request.start } : {}),
      ...(request.count !== undefined ? { count: request.count } : {}),
      color: request.color ?? false,
      masks: (request.masks ?? false) || (request.masksOnly ?? false),
      videos: !request.masksOnly,
      out: outDir,
      overwrite: request.force ?? false,
      ...(request.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: request.memoryBudgetBytes } : {}),
      optionNames: {
        method: '--method',
        rank: '--rank',
        scale: '--scale',
        start: '--start',
        count: '--count',
        out: '--out',
        memoryBudget: '--memory-budget',
      },
      methodOptionName: (key) => `--${toKebabCase(key)}`,
      advice: cliAdvice,
    },
    { ...hooks, onStage },
  );
  const result: SeparateResult = {
    ...separation.summary(),
    input: request.input,
    ...(request.masks || request.masksOnly ? { maskFiles: separation.frames } : {}),
    seconds: (performance.now() - started) / 1000,
    outDir,
    files: [...(separation.written?.files ?? [])],
  };
  return { result, separation };
}

export const separateCommand: Command = {
  name: 'separate',
  summary: 'Split a fixed-camera video (or frames folder) into background and foreground; write masks.',
  run: (argv, io) =>
    guarded(io, async () => {
      const loaded = await loadPlugins(argv, io);
      const { plugin, explicit } = pickSeparation(loaded, argv, 'rpca', 'separate');
      const pluginFlags = pluginFlagDefs(plugin, HANDLED);
      const args = parseArgs(
        argv,
        [...SEPARATE_FLAGS, ...pluginFlags.filter((f) => !SEPARATE_FLAGS.some((c) => c.name === f.name))],
        'separate',
      );
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage:
              'lowrank separate <video | frames-folder> [--method rpca | streaming-rpca | svd-background | NAME] [--rank K] [--scale S] [--start N] [--count N] [--color] [--masks | --masks-only] [--out DIR] [--json]',
            description:
              'Every frame becomes one column of a (pixels x frames) matrix M = L + S: L the static background (low rank), S the moving foreground (sparse).\nWrites OUT/background.mp4, OUT/foreground.mp4, OUT/matrix.png, OUT/summary.json and with --masks OUT/mask.mp4 and OUT/masks/<frame>.png.',
            flags: SEPARATE_FLAGS,
            plugin,
            pluginFlags,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length !== 1) {
        throw new InvalidInputError(
          args.positionals.length === 0
            ? 'lowrank separate needs a video file or a frames folder (lowrank separate INPUT).'
            : `lowrank separate takes one input, got ${args.positionals.length}: ${args.positionals.join(' ')}.`,
        );
      }
      const json = getBoolean(args, 'json');
      const bar = progressFor(io, json);
      const rank = getNumber(args, 'rank', { integer: true, min: 1 });
      const scale = getNumber(args, 'scale', { min: 0, max: 1, exclusiveMin: true });
      const start = getNumber(args, 'start', { integer: true, min: 0 });
      const count = getNumber(args, 'count', { integer: true, min: 2 });
      const out = getString(args, 'out');
      const budget = memoryBudgetFromArgs(args);
      const { result } = await separateWithFlags(
        {
          input: args.positionals[0]!,
          plugin,
          explicit,
          ...(rank !== undefined ? { rank } : {}),
          ...(scale !== undefined ? { scale } : {}),
          ...(start !== undefined ? { start } : {}),
          ...(count !== undefined ? { count } : {}),
          color: getBoolean(args, 'color'),
          masks: getBoolean(args, 'masks'),
          masksOnly: getBoolean(args, 'masks-only'),
          ...(out !== undefined ? { out } : {}),
          force: getBoolean(args, 'force'),
          pluginOptions: pluginOptionsFromArgs(plugin, args, HANDLED),
          ...(budget !== undefined ? { memoryBudgetBytes: budget } : {}),
        },
        io.cwd,
        {
          signal: io.signal,
          onStage: (s) => bar.stage(s),
          onProgress: bar.onProgress,
          onNote: (m) => io.stderr.write(`lowrank: ${m}\n`),
          onWarning: (m) => {
            bar.done();
            io.stderr.write(`lowrank: warning: ${m}\n`);
          },
        },
      );
      bar.done();
      if (json) {
        const { history: _history, ...rest } = result;
        printJson(io, rest);
        return EXIT_OK;
      }
      io.stdout.write(
        `${result.input}: ${result.frames} frames of ${result.width}x${result.height}; method ${result.method}, rank ${result.rank}, ` +
          `${result.iterations} iteration(s), ${result.converged ? 'converged' : 'NOT converged'}, residual ${result.residual.toExponential(2)}\n` +
          `decode ${formatSeconds(result.decodeSeconds)}, factorize ${formatSeconds(result.factorizeSeconds)}, total ${formatSeconds(result.seconds)}\n` +
          `${result.foregroundFraction !== undefined ? `foreground ${(result.foregroundFraction * 100).toFixed(2)}% of mask pixels\n` : ''}` +
          `wrote ${relative(io.cwd, result.outDir) || '.'}/ (${result.files.join(', ')}${result.maskFiles ? ` with ${result.maskFiles} PNGs` : ''})\n`,
      );
      return EXIT_OK;
    }),
};
