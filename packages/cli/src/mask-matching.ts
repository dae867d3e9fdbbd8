import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { InvalidInputError, MediaError } from '@lowrank/core';
import { isImageFilePath } from '@lowrank/io/formats';

export interface MaskPair {
  readonly groundTruth: string;
  readonly mask: string;
  /** The ground-truth file's stem (gt001460). */
  readonly stem: string;
}

export interface MaskMatching {
  readonly pairs: readonly MaskPair[];
  /** Ground-truth frames with no mask: not evaluated (reported, never guessed). */
  readonly unmatchedGroundTruth: readonly string[];
}

/** Image files of a folder, sorted by name (the order frames are read in). */
export async function listImages(dir: string, flag: string): Promise<string[]> {
  let info: Stats;
  try {
    info = await stat(dir);
  } catch {
    throw new MediaError(dir, `no such folder (given to ${flag}).`, { hint: 'Check the path.' });
  }
  if (!info.isDirectory())
    throw new MediaError(dir, `is not a folder (given to ${flag}).`, {
      hint: 'Give a folder of PNG images.',
    });
  const names = await readdir(dir);
  return names
    .filter((n) => !n.startsWith('.') && isImageFilePath(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Pairs CDnet ground truth with masks: gtNNNNNN.* with inNNNNNN.* (the name of the input frame the
 * mask came from, as `lowrank separate --masks` writes it), else a mask with the same stem.
 */
export async function matchMasks(masksDir: string, groundTruthDir: string): Promise<MaskMatching> {
  const masks = await listImages(masksDir, '--masks');
  const truths = await listImages(groundTruthDir, '--groundtruth');
  if (truths.length === 0) {
    throw new InvalidInputError(`${groundTruthDir}: no ground-truth images found (given to --groundtruth).`);
  }
  if (masks.length === 0) {
    throw new InvalidInputError(`${masksDir}: no mask images found (given to --masks).`, {
      hint: 'Write masks with `lowrank separate INPUT --masks`; they go to OUT/masks/.',
    });
  }
  const byStem = new Map(masks.map((m) => [parse(m).name, m]));
  const pairs: MaskPair[] = [];
  const unmatched: string[] = [];
  for (const gt of truths) {
    const stem = parse(gt).name;
    const digits = /^gt(\d+)$/.exec(stem)?.[1];
    const mask = (digits !== undefined ? byStem.get(`in${digits}`) : undefined) ?? byStem.get(stem);
    if (mask) pairs.push({ groundTruth: gt, mask, stem });
    else unmatched.push(gt);
  }
  if (pairs.length === 0) {
    throw new InvalidInputError(
      `No mask in ${masksDir} matches a ground-truth file in ${groundTruthDir} (looked for inNNNNNN.* for gtNNNNNN.*, and same names).`,
      { hint: 'Masks must be named after the input frames (lowrank separate on a frames folder does this).' },
    );
  }
  return { pairs, unmatchedGroundTruth: unmatched };
}

/** Confusion counts summed over frames (CDnet convention, see evaluateMasks in @lowrank/algorithms-rpca). */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  ignored: number;
}

export function scores(c: ConfusionCounts): { precision: number; recall: number; fMeasure: number } {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const fMeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fMeasure };
}
