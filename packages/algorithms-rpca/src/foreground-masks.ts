import { type DenseMatrix, InvalidInputError, InvalidOptionError, isVideoMatrix } from '@lowrank/core';
import { ForegroundMaskModel, type MaskRuleOptions } from './foreground-mask-model.js';

/**
 * Binary foreground masks from the sparse part S of a low-rank + sparse split (rpca, or the
 * svd-background plugin's { lowRank, sparse }), for a whole video: its frames are pushed in order
 * through a ForegroundMaskModel (see foreground-mask-model.ts for the rules and their defaults).
 */
export interface ForegroundMaskOptions extends MaskRuleOptions {
  /**
   * The input video the split was made from (frames x pixels, gray or RGB like S or with more
   * channels), for the steps that need the frame itself: hard-shadow suppression. Optional.
   */
  readonly input?: DenseMatrix;
  /**
   * Stream the frames through the model once to learn the per-pixel noise levels (and the other
   * state) before the pass that makes the masks (default true). A batch has every frame at hand;
   * a streaming separator learns as it goes instead.
   */
  readonly learningPass?: boolean;
  /** Frame size when `sparse` is a plain matrix rather than a VideoMatrix. */
  readonly width?: number;
  readonly height?: number;
}

export interface ForegroundMasks {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** frames x (width * height), row-major, 255 = foreground, 0 = background (CDnet's convention). */
  readonly data: Uint8Array;
  /** The frame's base |S| threshold (the rule's, before the per-pixel terms), per frame. */
  readonly thresholds: Float64Array;
}

/** Anything with a sparse part: an rpca result, an svd-background result, or S itself. */
export type SparseSource = DenseMatrix | { readonly sparse: DenseMatrix };

function frameSize(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new InvalidOptionError(name, `expected a whole number >= 1, got ${JSON.stringify(value)}.`);
  }
}

/** Foreground masks from S, one per row (frame) of the frames x pixels matrix. */
export function foregroundMasks(source: SparseSource, options: ForegroundMaskOptions = {}): ForegroundMasks {
  const sparse = 'sparse' in source ? source.sparse : source;
  frameSize('width', options.width);
  frameSize('height', options.height);
  const channels = isVideoMatrix(sparse) ? sparse.channels : 1;
  const width = isVideoMatrix(sparse) ? sparse.width : (options.width ?? sparse.cols);
  const height = isVideoMatrix(sparse) ? sparse.height : (options.height ?? 1);
  const pixels = width * height;
  if (pixels * channels !== sparse.cols) {
    throw new InvalidInputError(
      `Frames of ${width} x ${height} pixels x ${channels} channels do not match the ${sparse.cols} columns of S.`,
      {
        hint: 'Pass a VideoMatrix (frames x pixels) or give width and height that multiply to its column count.',
      },
    );
  }
  const { input, learningPass = true, width: _w, height: _h, ...rules } = options;
  let inputChannels: number | undefined;
  if (input !== undefined) {
    inputChannels = input.cols / pixels;
    if (input.rows !== sparse.rows || !(inputChannels === 1 || inputChannels === 3)) {
      throw new InvalidInputError(
        `The input video is ${input.rows} x ${input.cols}; S is ${sparse.rows} frames of ${pixels} pixels, so the input must be ${sparse.rows} x ${pixels} (gray) or ${sparse.rows} x ${3 * pixels} (RGB).`,
        { hint: 'Pass the video the split was made from.' },
      );
    }
  }
  const model = new ForegroundMaskModel(
    { width, height, sparseChannels: channels, ...(inputChannels === undefined ? {} : { inputChannels }) },
    rules,
  );
  const frames = sparse.rows;
  const s = sparse.data;
  const frameOf = (f: number) => s.subarray(f * sparse.cols, (f + 1) * sparse.cols);
  const inputOf = (f: number) => input?.data.subarray(f * input.cols, (f + 1) * input.cols);
  const data = new Uint8Array(frames * pixels);
  const thresholds = new Float64Array(frames);
  if (learningPass && frames > 1) {
    const discard = new Uint8Array(pixels);
    for (let f = 0; f < frames; f++) model.push(frameOf(f), inputOf(f), discard);
    model.restartSequence();
  }
  for (let f = 0; f < frames; f++) {
    model.push(frameOf(f), inputOf(f), data.subarray(f * pixels, (f + 1) * pixels));
    thresholds[f] = model.lastThreshold;
  }
  return { frames, width, height, data, thresholds };
}
