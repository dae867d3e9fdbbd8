import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, parse, relative, resolve } from 'node:path';
import { evaluateMasks } from '@lowrank/algorithms-rpca';
import {
  type DenseMatrix,
  InvalidInputError,
  InvalidOptionError,
  throwIfAborted,
  zeros,
} from '@lowrank/core';
import { checkOutputPath, encodeImage, readImage, writeFileAtomic } from '@lowrank/io';
import { type FlagDef, getBoolean, getNumber, getString, parseArgs } from '../args.js';
import { EXIT_OK, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import { commandHelp, FORCE_FLAG, guarded, HELP_FLAG, JSON_FLAG, progressFor } from '../command-support.js';
import { type ConfusionCounts, listImages, matchMasks, scores } from '../mask-matching.js';
import { type EvalReportData, type EvalReportPictures, renderEvalReport } from '../report/eval-report.js';

const FLAGS: FlagDef[] = [
  {
    name: 'masks',
    kind: 'value',
    valueName: 'DIR',
    description:
      'Folder of binary masks (non-zero = foreground), e.g. OUT/masks from lowrank separate --masks.',
  },
  {
    name: 'groundtruth',
    kind: 'value',
    valueName: 'DIR',
    description:
      'Folder of CDnet ground truth gtNNNNNN.png (255 foreground; 0, 50 background; 85, 170 ignored).',
  },
  {
    name: 'report',
    kind: 'value',
    valueName: 'FILE.html',
    description:
      'Also write a self-contained HTML report: F-measure per frame and the worst frames (frame, mask, ground truth).',
  },
  {
    name: 'frames',
    kind: 'value',
    valueName: 'DIR',
    description: 'Input frames shown in the report (inNNNNNN.* for gtNNNNNN.png).',
    defaultText: 'input/ beside the ground-truth folder, when it exists',
  },
  {
    name: 'worst',
    kind: 'value',
    valueName: 'N',
    description: 'How many of the worst frames the report shows.',
    defaultText: String(4),
  },
  FORCE_FLAG,
  JSON_FLAG,
  HELP_FLAG,
];

/** Frames the report shows by default. */
export const DEFAULT_WORST_FRAMES = 4;
/**
 * Pictures in the report are at most this wide, so the four of a frame fit in one row (integer
 * downscaling: nearest pixel for labels and masks).
 */
const REPORT_PICTURE_WIDTH = 270;

export interface EvalResult {
  masks: string;
  groundtruth: string;
  framesEvaluated: number;
  /** Ground-truth frames that had no mask (not evaluated). */
  framesWithoutMask: number;
  precision: number;
  recall: number;
  fMeasure: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  ignoredPixels: number;
  /** Masks read at a different size than the ground truth were resized to it. */
  resizedMasks: number;
  perFrame: {
    frame: string;
    mask: string;
    precision: number;
    recall: number;
    fMeasure: number;
    truePositives: number;
    falsePositives: number;
    falseNegatives: number;
  }[];
}

/** Scores masks against CDnet ground truth, pooling the confusion counts over all matched frames. */
export async function evaluateMaskFolders(
  masksDir: string,
  groundTruthDir: string,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<EvalResult> {
  const { pairs, unmatchedGroundTruth } = await matchMasks(masksDir, groundTruthDir);
  const total: ConfusionCounts = { tp: 0, fp: 0, fn: 0, tn: 0, ignored: 0 };
  const perFrame: EvalResult['perFrame'] = [];
  let resized = 0;
  for (let i = 0; i < pairs.length; i++) {
    throwIfAborted(options.signal);
    const pair = pairs[i]!;
    const truth = await readImage(pair.groundTruth, { mode: 'gray', signal: options.signal });
    let mask = await readImage(pair.mask, { mode: 'gray', signal: options.signal });
    if (mask.width !== truth.width || mask.height !== truth.height) {
      // A mask from a downscaled run (--scale): bring it to the ground truth's size, then re-binarize.
      mask = await readImage(pair.mask, {
        mode: 'gray',
        size: { width: truth.width, height: truth.height },
        signal: options.signal,
      });
      resized++;
    }
    const labels = new Uint8Array(truth.matrix.data.length);
    for (let p = 0; p < labels.length; p++) labels[p] = Math.round(truth.matrix.data[p]! * 255);
    const binary = new Uint8Array(mask.matrix.data.length);
    for (let p = 0; p < binary.length; p++) binary[p] = mask.matrix.data[p]! >= 0.5 ? 255 : 0;
    let e: ReturnType<typeof evaluateMasks>;
    try {
      e = evaluateMasks(binary, labels);
    } catch (error) {
      throw new InvalidInputError(`${pair.groundTruth}: ${(error as Error).message}`, { cause: error });
    }
    total.tp += e.tp;
    total.fp += e.fp;
    total.fn += e.fn;
    total.tn += e.tn;
    total.ignored += e.ignored;
    perFrame.push({
      frame: basename(pair.groundTruth),
      mask: basename(pair.mask),
      precision: e.precision,
      recall: e.recall,
      fMeasure: e.fMeasure,
      truePositives: e.tp,
      falsePositives: e.fp,
      falseNegatives: e.fn,
    });
    options.onProgress?.((i + 1) / pairs.length);
  }
  return {
    masks: masksDir,
    groundtruth: groundTruthDir,
    framesEvaluated: pairs.length,
    framesWithoutMask: unmatchedGroundTruth.length,
    ...scores(total),
    truePositives: total.tp,
    falsePositives: total.fp,
    falseNegatives: total.fn,
    trueNegatives: total.tn,
    ignoredPixels: total.ignored,
    resizedMasks: resized,
    perFrame,
  };
}

/** CDnet labels of a ground-truth image and the binary mask at its size (resized when it differs). */
async function readPair(
  groundTruth: string,
  mask: string,
  signal?: AbortSignal,
): Promise<{ labels: Uint8Array; binary: Uint8Array; width: number; height: number }> {
  const truth = await readImage(groundTruth, { mode: 'gray', ...(signal ? { signal } : {}) });
  const { width, height } = truth;
  const m = await readImage(mask, { mode: 'gray', size: { width, height }, ...(signal ? { signal } : {}) });
  const labels = Uint8Array.from(truth.matrix.data, (v) => Math.round(v * 255));
  const binary = Uint8Array.from(m.matrix.data, (v) => (v >= 0.5 ? 255 : 0));
  return { labels, binary, width, height };
}

async function dataUri(image: DenseMatrix | DenseMatrix[], format: 'png' | 'jpeg'): Promise<string> {
  const bytes = await encodeImage(image, format, { quality: 85 });
  return `data:image/${format};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** Nearest-pixel downscaling by an integer step: labels and masks keep their exact values. */
function sampled(values: Uint8Array, width: number, step: number, out: DenseMatrix): DenseMatrix {
  for (let y = 0; y < out.rows; y++)
    for (let x = 0; x < out.cols; x++)
      out.data[y * out.cols + x] = values[y * step * width + x * step]! / 255;
  return out;
}

/** The folder of input frames the report shows: --frames, else CDnet's input/ beside groundtruth/. */
export function defaultFramesDir(groundTruthDir: string): string | undefined {
  const candidate = join(dirname(resolve(groundTruthDir)), 'input');
  try {
    return statSync(candidate).isDirectory() ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pictures of the `worst` frames with the lowest F-measure (frames with nothing to find and
 * nothing found have no F and are skipped): the input frame when `framesDir` has it, our mask,
 * the ground truth, and the errors drawn over the frame.
 */
export async function evalReportData(
  result: EvalResult,
  dirs: { masks: string; groundtruth: string; frames?: string },
  worst: number,
  signal?: AbortSignal,
): Promise<EvalReportData> {
  const frameFiles = dirs.frames ? await listImages(dirs.frames, '--frames') : [];
  const inputFor = (groundTruth: string) => {
    const digits = /(\d+)$/.exec(parse(groundTruth).name)?.[1];
    return frameFiles.find((f) => {
      const stem = parse(f).name;
      return stem === parse(groundTruth).name || (digits !== undefined && stem === `in${digits}`);
    });
  };
  const perFrame = result.perFrame.map((f, position) => {
    const digits = /(\d+)$/.exec(parse(f.frame).name)?.[1];
    return {
      frame: f.frame,
      index: digits === undefined ? position + 1 : Number(digits),
      precision: f.precision,
      recall: f.recall,
      fMeasure: f.fMeasure,
      scored: f.truePositives + f.falsePositives + f.falseNegatives > 0,
    };
  });
  const chosen = result.perFrame
    .filter((f) => f.truePositives + f.falsePositives + f.falseNegatives > 0)
    .sort(
      (a, b) =>
        a.fMeasure - b.fMeasure ||
        b.falsePositives + b.falseNegatives - (a.falsePositives + a.falseNegatives) ||
        (a.frame < b.frame ? -1 : 1),
    )
    .slice(0, worst);
  const pictures: EvalReportPictures[] = [];
  for (const f of chosen) {
    throwIfAborted(signal);
    const { labels, binary, width, height } = await readPair(
      join(dirs.groundtruth, f.frame),
      join(dirs.masks, f.mask),
      signal,
    );
    const step = Math.max(1, Math.ceil(width / REPORT_PICTURE_WIDTH));
    const w = Math.max(1, Math.floor(width / step));
    const h = Math.max(1, Math.floor(height / step));
    const inputFile = inputFor(f.frame);
    const input = inputFile
      ? await readImage(inputFile, {
          mode: 'rgb',
          size: { width: w, height: h },
          ...(signal ? { signal } : {}),
        })
      : undefined;
    // Errors over the dimmed frame: found green, false alarm red, missed blue; others as they were.
    const rgb = [zeros(h, w), zeros(h, w), zeros(h, w)];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const q = y * w + x;
        const p = y * step * width + x * step;
        const truth = labels[p]!;
        const detected = binary[p] !== 0;
        const colour =
          truth === 255
            ? detected
              ? [0.1, 0.8, 0.2]
              : [0.15, 0.35, 1]
            : (truth === 0 || truth === 50) && detected
              ? [1, 0.15, 0.1]
              : undefined;
        for (let c = 0; c < 3; c++) {
          const base = input ? 0.5 * input.channels[c]!.data[q]! : 0;
          rgb[c]!.data[q] = colour ? colour[c]! : base;
        }
      }
    pictures.push({
      frame: f.frame,
      precision: f.precision,
      recall: f.recall,
      fMeasure: f.fMeasure,
      falsePositives: f.falsePositives,
      falseNegatives: f.falseNegatives,
      ...(input ? { input: await dataUri(input.channels, 'jpeg') } : {}),
      mask: await dataUri(sampled(binary, width, step, zeros(h, w)), 'png'),
      truth: await dataUri(sampled(labels, width, step, zeros(h, w)), 'png'),
      errors: await dataUri(rgb, 'png'),
      width: w,
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    masks: result.masks,
    groundtruth: result.groundtruth,
    ...(dirs.frames === undefined ? {} : { frames: dirs.frames }),
    totals: {
      framesEvaluated: result.framesEvaluated,
      framesWithoutMask: result.framesWithoutMask,
      precision: result.precision,
      recall: result.recall,
      fMeasure: result.fMeasure,
      truePositives: result.truePositives,
      falsePositives: result.falsePositives,
      falseNegatives: result.falseNegatives,
      trueNegatives: result.trueNegatives,
      ignoredPixels: result.ignoredPixels,
    },
    perFrame,
    worst: pictures,
  };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Score foreground masks against CDnet ground truth: precision, recall, F-measure.',
  run: (argv, io) =>
    guarded(io, async () => {
      const args = parseArgs(argv, FLAGS, 'eval');
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage:
              'lowrank eval --masks DIR --groundtruth DIR [--report FILE.html [--frames DIR] [--worst N] [--force]] [--json]',
            description:
              'Matches gtNNNNNN.png to the mask inNNNNNN.* (or a mask with the same name) and pools the counts over all frames.\nCDnet convention: 255 positive; 0 and 50 negative; 85 and 170 not evaluated. A mask pixel is foreground when >= 128.\nWith --report: a self-contained HTML page (written atomically; an existing file needs --force).',
            flags: FLAGS,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length)
        throw new InvalidInputError(
          `lowrank eval takes no positional arguments (got "${args.positionals[0]}"); use --masks DIR --groundtruth DIR.`,
        );
      const masks = getString(args, 'masks');
      const truth = getString(args, 'groundtruth');
      if (!masks) throw new InvalidOptionError('--masks', 'is required: the folder of masks to score.');
      if (!truth)
        throw new InvalidOptionError(
          '--groundtruth',
          'is required: the folder of CDnet ground-truth images.',
        );
      const json = getBoolean(args, 'json');
      const report = getString(args, 'report');
      const force = getBoolean(args, 'force');
      const worst = getNumber(args, 'worst', { integer: true, min: 0, max: 100 }) ?? DEFAULT_WORST_FRAMES;
      const framesFlag = getString(args, 'frames');
      if (report === undefined) {
        for (const flag of ['frames', 'worst'] as const)
          if (getString(args, flag) !== undefined)
            throw new InvalidOptionError(`--${flag}`, 'only applies with --report FILE.html.');
      }
      const reportPath = report === undefined ? undefined : resolve(io.cwd, report);
      // Refuse an existing report (or a missing folder) before the work, not after it.
      if (reportPath) await checkOutputPath(reportPath, { overwrite: force });
      const framesDir =
        framesFlag !== undefined ? resolve(io.cwd, framesFlag) : defaultFramesDir(resolve(io.cwd, truth));
      if (framesFlag !== undefined && !existsSync(framesDir!))
        throw new InvalidOptionError('--frames', `${framesFlag}: no such folder.`);
      const bar = progressFor(io, json);
      bar.stage('evaluate');
      const result = await evaluateMaskFolders(resolve(io.cwd, masks), resolve(io.cwd, truth), {
        signal: io.signal,
        onProgress: (fraction) => bar.update({ fraction }),
      });
      // Report the folders as the user typed them.
      result.masks = masks;
      result.groundtruth = truth;
      if (reportPath) {
        bar.stage('report');
        const data = await evalReportData(
          result,
          {
            masks: resolve(io.cwd, masks),
            groundtruth: resolve(io.cwd, truth),
            ...(framesDir === undefined ? {} : { frames: framesDir }),
          },
          worst,
          io.signal,
        );
        const shown = framesDir === undefined ? {} : { frames: relative(io.cwd, framesDir) || '.' };
        await writeFileAtomic(reportPath, renderEvalReport({ ...data, ...shown }), {
          overwrite: force,
          signal: io.signal,
        });
      }
      bar.done();
      if (json) {
        printJson(io, reportPath ? { ...result, report: report! } : result);
        return EXIT_OK;
      }
      io.stdout.write(
        `${result.framesEvaluated} frame(s) evaluated${result.framesWithoutMask ? ` (${result.framesWithoutMask} ground-truth frame(s) had no mask)` : ''}\n` +
          `precision ${result.precision.toFixed(4)}  recall ${result.recall.toFixed(4)}  F-measure ${result.fMeasure.toFixed(4)}\n` +
          `TP ${result.truePositives}  FP ${result.falsePositives}  FN ${result.falseNegatives}  TN ${result.trueNegatives}  ignored ${result.ignoredPixels}\n` +
          (report ? `report ${report}\n` : ''),
      );
      return EXIT_OK;
    }),
};
