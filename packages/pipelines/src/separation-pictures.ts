import type { DenseMatrix, MatrixData, VideoMatrix } from '@lowrank/core';
import { absQuantile, videoMatrixPicture } from '@lowrank/io';

/**
 * How a separation is drawn, frame by frame, the same way in every output (the MP4s, the PNG masks,
 * the VS Code panel): values in [0, 1] to bytes; |S| scaled so that the video's 99.5th percentile
 * of |S| is white (S is mostly small: |S| * 255 would be a black picture); masks 0 or 255.
 */

/** Quantile of |S| over the whole video that maps to white in the foreground pictures. */
export const FOREGROUND_WHITE_QUANTILE = 0.995;

/** A value in [0, 1] as a byte (clamped, rounded). */
function unitToByte(value: number): number {
  const v = value * 255;
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

export function unitToBytes(values: MatrixData, out = new Uint8Array(values.length)): Uint8Array {
  for (let k = 0; k < values.length; k++) out[k] = unitToByte(values[k]!);
  return out;
}

/** The |S| value drawn white for this video (1 when S is all zero). */
export function foregroundGain(sparse: MatrixData): number {
  const q = absQuantile(sparse, FOREGROUND_WHITE_QUANTILE);
  return q > 0 ? 1 / q : 1;
}

export function magnitudeToBytes(
  values: MatrixData,
  gain: number,
  out = new Uint8Array(values.length),
): Uint8Array {
  for (let k = 0; k < values.length; k++) {
    const v = Math.abs(values[k]!) * gain * 255;
    out[k] = v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

export function maskToBytes(mask: Uint8Array, out = new Uint8Array(mask.length)): Uint8Array {
  for (let k = 0; k < mask.length; k++) out[k] = mask[k] ? 255 : 0;
  return out;
}

/** Row f of a frames x values matrix (a view). */
export function frameOf(video: { cols: number; data: MatrixData }, f: number): MatrixData {
  return video.data.subarray(f * video.cols, (f + 1) * video.cols);
}

/** The video matrix as io's videoMatrixPicture draws it (pixels down, frames across), as gray bytes. */
export function matrixPictureBytes(
  video: VideoMatrix,
  maxWidth: number,
  height: number,
): { width: number; height: number; pixels: Uint8Array } {
  const picture = videoMatrixPicture(video, { maxWidth, height });
  return { width: picture.cols, height: picture.rows, pixels: unitToBytes(picture.data) };
}

/**
 * The video matrix picture (io's videoMatrixPicture: pixels down in `height` bands, frames across
 * in at most `maxWidth` columns), accumulated one frame at a time in fixed memory. Frame f goes to
 * column floor(f * columns / expectedFrames); frames past the expected count join the last column.
 * It holds one sum per band and column, and counts per column and per band (a cell's count is
 * their product), so a long video costs it 8 bytes a cell.
 */
export class MatrixPictureAccumulator {
  readonly #sums: Float64Array;
  /** Frames added to each column. */
  readonly #framesIn: Float64Array;
  /** Pixels (values) in each band. */
  readonly #bandSizes: Float64Array;
  readonly #columns: number;
  readonly #bands: number;
  readonly #expected: number;
  readonly #values: number;

  constructor(expectedFrames: number, values: number, height = 480, maxWidth = 1600) {
    this.#expected = Math.max(1, expectedFrames);
    this.#values = values;
    this.#columns = Math.min(this.#expected, maxWidth);
    this.#bands = Math.min(values, height);
    this.#sums = new Float64Array(this.#bands * this.#columns);
    this.#framesIn = new Float64Array(this.#columns);
    this.#bandSizes = Float64Array.from(
      { length: this.#bands },
      (_, band) =>
        Math.floor(((band + 1) * values) / this.#bands) - Math.floor((band * values) / this.#bands),
    );
  }

  add(index: number, frame: MatrixData): void {
    const col = Math.min(this.#columns - 1, Math.floor((index * this.#columns) / this.#expected));
    for (let band = 0; band < this.#bands; band++) {
      const p0 = Math.floor((band * this.#values) / this.#bands);
      const p1 = Math.floor(((band + 1) * this.#values) / this.#bands);
      let sum = 0;
      for (let p = p0; p < p1; p++) sum += frame[p]!;
      this.#sums[band * this.#columns + col]! += sum;
    }
    this.#framesIn[col]! += 1;
  }

  /** The mean of cell i (band-major), 0 where no frame landed. */
  #mean(i: number): number {
    const count = this.#framesIn[i % this.#columns]! * this.#bandSizes[Math.floor(i / this.#columns)]!;
    return count > 0 ? this.#sums[i]! / count : 0;
  }

  /** The picture so far, as a bands x columns matrix of means (0 where no frame landed). */
  picture(): DenseMatrix<Float64Array> {
    const data = new Float64Array(this.#sums.length);
    for (let i = 0; i < data.length; i++) data[i] = this.#mean(i);
    return { rows: this.#bands, cols: this.#columns, data };
  }

  /**
   * The picture so far as 8-bit gray (unitToBytes of picture(), without its float copy). With
   * `framesDone` (a stream stopped early) only the columns those frames reached: the picture
   * spans the frames expected, and the rest would be black.
   */
  pictureBytes(framesDone = this.#expected): { width: number; height: number; pixels: Uint8Array } {
    // Integers all the way: a fraction such as 21 / 150 times 150 is 21.000000000000004.
    const width = Math.max(
      1,
      Math.min(this.#columns, Math.ceil((framesDone * this.#columns) / this.#expected)),
    );
    const pixels = new Uint8Array(width * this.#bands);
    for (let band = 0; band < this.#bands; band++)
      for (let col = 0; col < width; col++)
        pixels[band * width + col] = unitToByte(this.#mean(band * this.#columns + col));
    return { width, height: this.#bands, pixels };
  }
}
