import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { foregroundMasks } from '@lowrank/algorithms-rpca';
import {
  type AnyBatchFactorizer,
  type DenseMatrix,
  type Factorization,
  InvalidInputError,
  InvalidOptionError,
  MediaError,
  matrixFrom,
  OutputExistsError,
  type Progress,
  throwIfAborted,
  type VideoMatrix,
  videoMatrixFrom,
} from '@lowrank/core';
import { readVideoMatrix, writeDirAtomic, writeImage } from '@lowrank/io';
import { allocateCollectedKernelArray } from '@lowrank/linalg';
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
  PLUGIN_FLAG,
  pickMethod,
} from '../command-support.js';
import { pluginFlagDefs, pluginOptionsFromArgs, validatePluginOptions } from '../plugin-flags.js';
import { ProgressBar } from '../progress-bar.js';
import { foregroundPicture, writeMatrixPicture, writeVideoFile } from '../video-outputs.js';

const HANDLED = new Set(['rank']);
/** Background rank for low-rank methods whose own default rank is 'auto'. */
export const LOW_RANK_BACKGROUND_RANK = 2;

export const SEPARATE_FLAGS: FlagDef[] = [
  {
    name: 'method',
    kind: 'value',
    valueName: 'NAME',
    description: "rpca (robust PCA), svd-background (rank-k SVD), or a plugin's method.",
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
    name: 'masks',
    kind: 'boolean',
    description: 'Write binary foreground masks to OUT/masks/<frame name>.png.',
  },
  {
    name: 'out',
    kind: 'value',
    valueName: 'DIR',
    description: 'Output folder (written atomically; refused if it exists unless --force).',
    defaultText: '<input>-lowrank beside the input',
  },
  FORCE_FLAG,
  PLUGIN_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

export interface SeparateRequest {
  readonly input: string;
  readonly plugin: AnyBatchFactorizer;
  readonly rank?: number;
  readonly scale?: number;
  readonly start?: number;
  readonly count?: number;
  readonly color?: boolean;
  readonly masks?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly pluginOptions?: Record<string, unknown>;
}

export interface SeparateResult {
  input: string;
  frames: number;
  width: number;
  height: number;
  channels: number;
  fps: number | null;
  method: string;
  rank: number;
  iterations: number;
  converged: boolean;
  residual: number;
  /** Number of mask PNGs in outDir/masks/ (when --masks). */
  maskFiles?: number;
  /** Fraction of foreground pixels in the masks (when --masks). */
  foregroundFraction?: number;
  decodeSeconds: number;
  factorizeSeconds: number;
  /** Decode + factorize + write. */
  seconds: number;
  outDir: string;
  files: string[];
  /** Per-iteration residuals, when the method reports them (for charts). */
  history?: number[];
}

export interface SeparateHooks {
  readonly signal?: AbortSignal;
  readonly onStage?: (stage: string) => void;
  readonly onProgress?: (progress: Progress) => void;
  /** Told where the output goes when it had to move away from a read-only input folder. */
  readonly onNote?: (message: string) => void;
  /** Receives the low-rank and sparse matrices before they are written (for the demo report). */
  readonly onMatrices?: (parts: {
    video: VideoMatrix;
    lowRank: VideoMatrix;
    sparse: VideoMatrix;
    masks?: Uint8Array;
  }) => void;
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

function asVideo(m: DenseMatrix, like: VideoMatrix, channels: number): VideoMatrix {
  return videoMatrixFrom(m.data, {
    frames: m.rows,
    width: like.width,
    height: like.height,
    channels,
    ...(like.fps === undefined ? {} : { fps: like.fps }),
  });
}

/** L and S from either kind of result: low-rank results give L = reconstruct(), S = M - L. */
function splitParts(
  result: Factorization,
  video: VideoMatrix,
): { lowRank: DenseMatrix; sparse: DenseMatrix } {
  if (result.kind === 'low-rank-plus-sparse') return { lowRank: result.lowRank, sparse: result.sparse };
  const lowRank = result.reconstruct();
  const sparse = matrixFrom(lowRank.rows, lowRank.cols, new Float64Array(lowRank.data.length));
  for (let k = 0; k < sparse.data.length; k++) sparse.data[k] = video.data[k]! - lowRank.data[k]!;
  return { lowRank, sparse };
}

/** Per-pixel largest |S| over the colour channels: one gray frame per row, for masks. */
function grayMagnitude(sparse: VideoMatrix): VideoMatrix {
  if (sparse.channels === 1) return sparse;
  const pixels = sparse.width * sparse.height;
  const out = new Float64Array(sparse.rows * pixels);
  for (let f = 0; f < sparse.rows; f++)
    for (let p = 0; p < pixels; p++) {
      let best = 0;
      for (let c = 0; c < sparse.channels; c++) {
        const v = sparse.data[f * sparse.cols + p * sparse.channels + c]!;
        if (Math.abs(v) > Math.abs(best)) best = v;
      }
      out[f * pixels + p] = best;
    }
  return videoMatrixFrom(out, {
    frames: sparse.rows,
    width: sparse.width,
    height: sparse.height,
    channels: 1,
  });
}

/** Splits a video into background and foreground; the work behind `lowrank separate`. */
export async function separateVideo(
  request: SeparateRequest,
  cwd: string,
  hooks: SeparateHooks = {},
): Promise<SeparateResult> {
  const started = performance.now();
  const { plugin } = request;
  const input = resolve(cwd, request.input);
  let inputInfo: Stats;
  try {
    inputInfo = await stat(input);
  } catch {
    throw new MediaError(request.input, 'no such file or folder.', {
      hint: 'Give a video file or a folder of frame images.',
    });
  }
  const hasRank = Object.hasOwn(plugin.options, 'rank');
  if (request.rank !== undefined && !hasRank) {
    throw new InvalidOptionError(
      '--rank',
      `method "${plugin.meta.name}" has no rank option (it chooses the rank itself).`,
      {
        hint: 'Drop --rank, or use --method svd-background --rank K.',
      },
    );
  }
  let outDir: string;
  if (request.out !== undefined) {
    outDir = resolve(cwd, request.out);
  } else {
    const chosen = await defaultOutDir(input, cwd);
    outDir = chosen.dir;
    if (chosen.moved) hooks.onNote?.(`${dirname(input)} is read-only; writing to ${outDir} instead.`);
  }
  if (inputInfo.isDirectory() && (outDir === input || outDir.startsWith(input + sep))) {
    throw new InvalidOptionError(
      '--out',
      `${request.out ?? outDir} is inside the frames folder ${request.input}; outputs never go there.`,
      {
        hint: 'Choose a folder beside it.',
      },
    );
  }
  if (!request.force) {
    const exists = await stat(outDir).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new OutputExistsError(
        outDir,
        'already exists.',
        'Choose another folder with --out DIR, or pass --force to replace it.',
      );
    }
  }

  hooks.onStage?.('decode');
  const decodeStart = performance.now();
  const decoded = await readVideoMatrix(input, {
    mode: request.color ? 'rgb' : 'gray',
    // Decoded straight into the kernel memory: robust PCA's threads read it there, no copy.
    allocate: allocateCollectedKernelArray,
    ...(request.scale !== undefined ? { scale: request.scale } : {}),
    ...(request.start !== undefined ? { start: request.start } : {}),
    ...(request.count !== undefined ? { count: request.count } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (p) => hooks.onProgress?.({ fraction: p.fraction, message: `${p.frames}/${p.total} frames` }),
  });
  const decodeSeconds = (performance.now() - decodeStart) / 1000;
  const video = decoded.matrix;
  if (video.rows < 2) {
    throw new InvalidInputError(
      `${request.input}: only ${video.rows} frame(s) to work with; background separation needs at least 2.`,
      {
        hint: 'Check --start and --count.',
      },
    );
  }
  const shape = { rows: video.rows, cols: video.cols };
  // A low-rank method left at rank 'auto' (often the full rank) would put the whole video in the
  // background: default to the svd-background choice of rank 2 instead.
  const rankDefault =
    plugin.kind === 'low-rank' &&
    hasRank &&
    request.rank === undefined &&
    validatePluginOptions(plugin, {}, { rows: video.rows, cols: video.cols }).rank === 'auto'
      ? { rank: Math.min(LOW_RANK_BACKGROUND_RANK, video.rows, video.cols) }
      : {};
  const options = validatePluginOptions(
    plugin,
    {
      ...rankDefault,
      ...(request.pluginOptions ?? {}),
      ...(request.rank !== undefined ? { rank: request.rank } : {}),
    },
    shape,
  );

  hooks.onStage?.('factorize');
  const factorizeStart = performance.now();
  const result = await plugin.factorize(video, options, {
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
  const factorizeSeconds = (performance.now() - factorizeStart) / 1000;
  throwIfAborted(hooks.signal);
  const parts = splitParts(result, video);
  const pixels = video.width * video.height;
  const outChannels = Math.max(1, Math.round(parts.lowRank.cols / pixels));
  if (parts.lowRank.rows !== video.rows || outChannels * pixels !== parts.lowRank.cols) {
    throw new InvalidInputError(
      `method "${plugin.meta.name}" returned a ${parts.lowRank.rows} x ${parts.lowRank.cols} background for a ${video.rows} x ${video.cols} video.`,
    );
  }
  const lowRank = asVideo(parts.lowRank, video, outChannels);
  const sparse = asVideo(parts.sparse, video, outChannels);
  const names = decoded.names ?? decoded.sourceIndices.map((i) => `frame-${String(i + 1).padStart(6, '0')}`);

  let masks: Uint8Array | undefined;
  if (request.masks)
    masks = foregroundMasks(grayMagnitude(sparse), { width: video.width, height: video.height }).data;
  hooks.onMatrices?.({ video, lowRank, sparse, ...(masks ? { masks } : {}) });

  hooks.onStage?.('write');
  const files: string[] = [];
  const summary: SeparateResult = {
    input: request.input,
    frames: video.rows,
    width: video.width,
    height: video.height,
    channels: video.channels,
    fps: video.fps ?? null,
    method: plugin.meta.name,
    rank: result.kind === 'low-rank-plus-sparse' ? result.rank : result.rank,
    iterations: result.diagnostics.iterations,
    converged: result.diagnostics.converged,
    residual: result.diagnostics.residual,
    decodeSeconds,
    factorizeSeconds,
    seconds: 0,
    outDir,
    files,
    ...(result.diagnostics.history ? { history: [...result.diagnostics.history] } : {}),
  };
  if (masks) {
    let on = 0;
    for (let k = 0; k < masks.length; k++) if (masks[k]) on++;
    summary.foregroundFraction = on / masks.length;
  }
  await writeDirAtomic(
    outDir,
    async (dir) => {
      const step = (done: number) => hooks.onProgress?.({ fraction: done });
      await writeVideoFile(lowRank, join(dir, 'background.mp4'), hooks.signal);
      files.push('background.mp4');
      step(0.3);
      await writeVideoFile(foregroundPicture(sparse), join(dir, 'foreground.mp4'), hooks.signal);
      files.push('foreground.mp4');
      step(0.6);
      await writeMatrixPicture(video, join(dir, 'matrix.png'), hooks.signal);
      files.push('matrix.png');
      if (masks) {
        await mkdir(join(dir, 'masks'));
        files.push('masks/');
        summary.maskFiles = video.rows;
        for (let f = 0; f < video.rows; f++) {
          throwIfAborted(hooks.signal);
          const frame = new Float64Array(pixels);
          for (let p = 0; p < pixels; p++) frame[p] = masks[f * pixels + p]! ? 1 : 0;
          await writeImage(
            matrixFrom(video.height, video.width, frame),
            join(dir, 'masks', `${names[f]}.png`),
          );
          if (f % 8 === 0) step(0.6 + (0.4 * (f + 1)) / video.rows);
        }
      }
      summary.seconds = (performance.now() - started) / 1000;
      files.push('summary.json');
      await writeFile(
        join(dir, 'summary.json'),
        `${JSON.stringify({ ...summary, files: [...files] }, null, 2)}\n`,
      );
    },
    {
      overwrite: request.force ?? false,
      protect: [input],
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    },
  );
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

export const separateCommand: Command = {
  name: 'separate',
  summary: 'Split a fixed-camera video (or frames folder) into background and foreground; write masks.',
  run: (argv, io) =>
    guarded(io, async () => {
      const loaded = await loadPlugins(argv, io);
      const plugin = pickMethod(loaded, argv, 'rpca', ['low-rank-plus-sparse', 'low-rank'], 'separate');
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
              'lowrank separate <video | frames-folder> [--method rpca | svd-background | NAME] [--rank K] [--scale S] [--start N] [--count N] [--color] [--masks] [--out DIR] [--json]',
            description:
              'Every frame becomes one column of a (pixels x frames) matrix M = L + S: L the static background (low rank), S the moving foreground (sparse).\nWrites OUT/background.mp4, OUT/foreground.mp4, OUT/matrix.png, OUT/summary.json and with --masks OUT/masks/<frame>.png.',
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
      const bar = new ProgressBar(io.stderr, !json && io.stdoutIsTTY);
      const rank = getNumber(args, 'rank', { integer: true, min: 1 });
      const scale = getNumber(args, 'scale', { min: 0, max: 1, exclusiveMin: true });
      const start = getNumber(args, 'start', { integer: true, min: 0 });
      const count = getNumber(args, 'count', { integer: true, min: 2 });
      const out = getString(args, 'out');
      const result = await separateVideo(
        {
          input: args.positionals[0]!,
          plugin,
          ...(rank !== undefined ? { rank } : {}),
          ...(scale !== undefined ? { scale } : {}),
          ...(start !== undefined ? { start } : {}),
          ...(count !== undefined ? { count } : {}),
          color: getBoolean(args, 'color'),
          masks: getBoolean(args, 'masks'),
          ...(out !== undefined ? { out } : {}),
          force: getBoolean(args, 'force'),
          pluginOptions: pluginOptionsFromArgs(plugin, args, HANDLED),
        },
        io.cwd,
        {
          signal: io.signal,
          onStage: (s) => bar.stage(s),
          onProgress: bar.onProgress,
          onNote: (m) => io.stderr.write(`lowrank: ${m}\n`),
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
