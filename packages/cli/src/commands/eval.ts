import { basename, resolve } from 'node:path';
import { evaluateMasks } from '@lowrank/algorithms-rpca';
import { InvalidInputError, InvalidOptionError, throwIfAborted } from '@lowrank/core';
import { readImage } from '@lowrank/io';
import { type FlagDef, getBoolean, getString, parseArgs } from '../args.js';
import { EXIT_OK, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import { commandHelp, guarded, HELP_FLAG, JSON_FLAG, progressFor } from '../command-support.js';
import { type ConfusionCounts, matchMasks, scores } from '../mask-matching.js';

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
  JSON_FLAG,
  HELP_FLAG,
];

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
  perFrame: { frame: string; mask: string; precision: number; recall: number; fMeasure: number }[];
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

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Score foreground masks against CDnet ground truth: precision, recall, F-measure.',
  run: (argv, io) =>
    guarded(io, async () => {
      const args = parseArgs(argv, FLAGS, 'eval');
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage: 'lowrank eval --masks DIR --groundtruth DIR [--json]',
            description:
              'Matches gtNNNNNN.png to the mask inNNNNNN.* (or a mask with the same name) and pools the counts over all frames.\nCDnet convention: 255 positive; 0 and 50 negative; 85 and 170 not evaluated. A mask pixel is foreground when >= 128.',
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
      const bar = progressFor(io, json);
      bar.stage('evaluate');
      const result = await evaluateMaskFolders(resolve(io.cwd, masks), resolve(io.cwd, truth), {
        signal: io.signal,
        onProgress: (fraction) => bar.update({ fraction }),
      });
      bar.done();
      // Report the folders as the user typed them.
      result.masks = masks;
      result.groundtruth = truth;
      if (json) {
        printJson(io, result);
        return EXIT_OK;
      }
      io.stdout.write(
        `${result.framesEvaluated} frame(s) evaluated${result.framesWithoutMask ? ` (${result.framesWithoutMask} ground-truth frame(s) had no mask)` : ''}\n` +
          `precision ${result.precision.toFixed(4)}  recall ${result.recall.toFixed(4)}  F-measure ${result.fMeasure.toFixed(4)}\n` +
          `TP ${result.truePositives}  FP ${result.falsePositives}  FN ${result.falseNegatives}  TN ${result.trueNegatives}  ignored ${result.ignoredPixels}\n`,
      );
      return EXIT_OK;
    }),
};
