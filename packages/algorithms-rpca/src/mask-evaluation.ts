import { InvalidInputError } from '@lowrank/core';

/**
 * Mask quality the CDnet way (changedetection.net): ground-truth 255 = foreground (positive),
 * 0 = background and 50 = hard shadow (negative), 85 = outside the region of interest and
 * 170 = unknown / object boundary (not evaluated). A mask pixel is foreground when non-zero.
 */
export interface MaskEvaluation {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** Pixels not evaluated (ground truth 85 or 170). */
  readonly ignored: number;
  readonly precision: number;
  readonly recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  readonly fMeasure: number;
  readonly specificity: number;
  readonly falsePositiveRate: number;
  readonly falseNegativeRate: number;
  /** Percentage of wrong classifications: 100 (fp + fn) / (tp + fp + fn + tn). */
  readonly percentageWrongClassification: number;
}

/** Labels (masks or ground truth) as one flat array: a Uint8Array, or an object holding one in `data`. */
export type LabelImages = ArrayLike<number> | { readonly data: ArrayLike<number> };

function flat(labels: LabelImages): ArrayLike<number> {
  return 'data' in labels && typeof labels.data === 'object' ? labels.data : (labels as ArrayLike<number>);
}

/** Counts the confusion matrix of masks against CDnet-labelled ground truth of the same shape. */
export function evaluateMasks(masks: LabelImages, groundTruth: LabelImages): MaskEvaluation {
  const m = flat(masks);
  const g = flat(groundTruth);
  if (m.length !== g.length) {
    throw new InvalidInputError(
      `The masks have ${m.length} pixels but the ground truth has ${g.length}; they must cover the same frames at the same size.`,
    );
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let ignored = 0;
  for (let k = 0; k < m.length; k++) {
    const truth = g[k]!;
    const detected = m[k]! !== 0;
    if (truth === 255) {
      if (detected) tp++;
      else fn++;
    } else if (truth === 0 || truth === 50) {
      if (detected) fp++;
      else tn++;
    } else if (truth === 85 || truth === 170) {
      ignored++;
    } else {
      throw new InvalidInputError(
        `Ground-truth pixel ${k} has value ${truth}, which is not a CDnet label (0, 50, 85, 170, 255).`,
        {
          hint: 'Resize ground truth with nearest-neighbour sampling so no intermediate values appear.',
        },
      );
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const evaluated = tp + fp + fn + tn;
  return {
    tp,
    fp,
    fn,
    tn,
    ignored,
    precision,
    recall,
    fMeasure: ratio(2 * precision * recall, precision + recall),
    specificity: ratio(tn, tn + fp),
    falsePositiveRate: ratio(fp, fp + tn),
    falseNegativeRate: ratio(fn, tp + fn),
    percentageWrongClassification: ratio(100 * (fp + fn), evaluated),
  };
}
