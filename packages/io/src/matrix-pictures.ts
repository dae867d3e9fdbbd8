import {
  type DenseMatrix,
  InvalidInputError,
  InvalidOptionError,
  isVideoMatrix,
  matrixFrom,
  type VideoMatrix,
  zeros,
} from '@lowrank/core';
import { clampUnit } from './write-image.js';

/**
 * The video matrix drawn as a picture, pixels down and frames across (the "squiggly lines"
 * figure of the background-removal articles): the pixel axis is averaged into `height` bands of
 * consecutive pixels (raster order), the frame axis into at most `maxWidth` columns. A still
 * background shows as horizontal lines; moving objects as the squiggles across them.
 */
export function videoMatrixPicture(
  video: DenseMatrix,
  options: { height?: number; maxWidth?: number } = {},
): DenseMatrix {
  const frames = video.rows;
  const pixels = video.cols;
  if (frames < 1 || pixels < 1) throw new InvalidInputError('The video matrix is empty.');
  const height = Math.min(pixels, options.height ?? 480);
  const width = Math.min(frames, options.maxWidth ?? 1600);
  if (!(Number.isInteger(height) && height >= 1))
    throw new InvalidOptionError('height', `${height} must be a whole number >= 1.`);
  if (!(Number.isInteger(width) && width >= 1))
    throw new InvalidOptionError('maxWidth', `${width} must be a whole number >= 1.`);
  const out = zeros(height, width);
  const counts = new Float64Array(height * width);
  for (let f = 0; f < frames; f++) {
    const col = Math.min(width - 1, Math.floor((f * width) / frames));
    const row = f * pixels;
    for (let band = 0; band < height; band++) {
      const p0 = Math.floor((band * pixels) / height);
      const p1 = Math.floor(((band + 1) * pixels) / height);
      let sum = 0;
      for (let p = p0; p < p1; p++) sum += video.data[row + p]!;
      out.data[band * width + col]! += sum;
      counts[band * width + col]! += p1 - p0;
    }
  }
  for (let i = 0; i < out.data.length; i++) out.data[i] = counts[i]! > 0 ? out.data[i]! / counts[i]! : 0;
  return out;
}

/** A value below which `fraction` of |values| lie, from a 4096-bin histogram (no sort of the whole array). */
export function absQuantile(values: ArrayLike<number>, fraction: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (a > max && Number.isFinite(a)) max = a;
  }
  if (max === 0) return 0;
  const bins = 4096;
  const histogram = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!Number.isFinite(a)) continue;
    histogram[Math.min(bins - 1, Math.floor((a / max) * bins))]!++;
  }
  const wanted = fraction * values.length;
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += histogram[b]!;
    if (seen >= wanted) return ((b + 1) / bins) * max;
  }
  return max;
}

/**
 * The sparse part S made visible: 'abs' (default) maps |S| / q to [0, 1] (black = no change),
 * 'signed' maps S to 0.5 + S / (2q) (gray = no change), where q is the `percentile` quantile of
 * |S| (default 0.995), so a few extreme pixels do not wash out the rest; or q = `scale` if given.
 */
export function contrastNormalize(
  sparse: DenseMatrix,
  options: { mode?: 'abs' | 'signed'; percentile?: number; scale?: number } = {},
): DenseMatrix {
  const percentile = options.percentile ?? 0.995;
  if (!(percentile > 0 && percentile <= 1))
    throw new InvalidOptionError('percentile', `${percentile} must be in (0, 1].`);
  const mode = options.mode ?? 'abs';
  // A fixed scale (e.g. absQuantile of the whole S) keeps frames of one video comparable.
  if (options.scale !== undefined && !(options.scale > 0)) {
    throw new InvalidOptionError('scale', `${options.scale} must be a positive number.`);
  }
  const q = options.scale ?? (absQuantile(sparse.data, percentile) || 1);
  const out = zeros(sparse.rows, sparse.cols);
  for (let i = 0; i < sparse.data.length; i++) {
    const s = sparse.data[i]!;
    const v = mode === 'abs' ? Math.abs(s) / q : 0.5 + s / (2 * q);
    out.data[i] = clampUnit(v);
  }
  return out;
}

/** Frame `index` of a gray video matrix as a height x width matrix (a zero-copy view). */
export function videoFrame(video: VideoMatrix, index: number): DenseMatrix {
  if (!Number.isInteger(index) || index < 0 || index >= video.rows) {
    throw new InvalidOptionError('frame', `${index} is outside 0..${video.rows - 1}.`);
  }
  if (video.channels !== 1) throw new InvalidInputError('videoFrame needs a gray (1-channel) video matrix.');
  return matrixFrom(
    video.height,
    video.width,
    video.data.subarray(index * video.cols, (index + 1) * video.cols),
  );
}

/** Panels of the same height placed side by side, separated by `gap` columns of `background`. */
export function sideBySide(
  panels: readonly DenseMatrix[],
  options: { gap?: number; background?: number } = {},
): DenseMatrix {
  if (panels.length === 0) throw new InvalidInputError('sideBySide needs at least one panel.');
  const height = panels[0]!.rows;
  for (const p of panels) {
    if (p.rows !== height)
      throw new InvalidInputError(`Panels must share a height: ${height} and ${p.rows}.`);
  }
  const gap = options.gap ?? 4;
  const width = panels.reduce((w, p) => w + p.cols, 0) + gap * (panels.length - 1);
  const out = zeros(height, width);
  out.data.fill(options.background ?? 1);
  let x = 0;
  for (const p of panels) {
    for (let r = 0; r < height; r++)
      out.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), r * width + x);
    x += p.cols + gap;
  }
  return out;
}

/**
 * The usual figure for one frame of a separation: original | low-rank L | contrast-normalized S
 * | mask (each optional but the original). All are frames x pixels matrices of the same video.
 * S is scaled by its frame's `percentile` quantile, or by `sparseScale` (pass
 * `absQuantile(S.data, 0.995)` once to draw every frame of a video on the same scale).
 */
export function separationComposite(
  parts: { original: VideoMatrix; lowRank?: DenseMatrix; sparse?: DenseMatrix; mask?: DenseMatrix },
  index: number,
  options: { gap?: number; percentile?: number; sparseScale?: number; sparseMode?: 'abs' | 'signed' } = {},
): DenseMatrix {
  const { original } = parts;
  if (!isVideoMatrix(original))
    throw new InvalidInputError('original must be a VideoMatrix (frames x pixels).');
  const asVideo = (m: DenseMatrix, name: string): VideoMatrix => {
    if (m.rows !== original.rows || m.cols !== original.cols) {
      throw new InvalidInputError(
        `${name} is ${m.rows} x ${m.cols} but the original is ${original.rows} x ${original.cols}.`,
      );
    }
    return {
      ...m,
      layout: 'frames-by-pixels',
      width: original.width,
      height: original.height,
      channels: original.channels,
    };
  };
  const panels = [videoFrame(original, index)];
  if (parts.lowRank) panels.push(videoFrame(asVideo(parts.lowRank, 'lowRank'), index));
  if (parts.sparse) {
    panels.push(
      contrastNormalize(videoFrame(asVideo(parts.sparse, 'sparse'), index), {
        ...(options.percentile === undefined ? {} : { percentile: options.percentile }),
        ...(options.sparseScale === undefined ? {} : { scale: options.sparseScale }),
        ...(options.sparseMode === undefined ? {} : { mode: options.sparseMode }),
      }),
    );
  }
  if (parts.mask) panels.push(videoFrame(asVideo(parts.mask, 'mask'), index));
  return sideBySide(panels, options);
}
