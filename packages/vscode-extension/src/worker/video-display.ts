import type { MatrixData, VideoMatrix } from '@lowrank/core';

/** Values in [0, 1] to display bytes (clamped, rounded). */
export function toDisplayBytes(values: MatrixData): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]! * 255;
    out[k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/**
 * |values| to display bytes, scaled so that the 99.5th percentile of the non-zero magnitudes is
 * white: the sparse part is mostly small, and a plain |S| * 255 would show a black picture.
 */
export function toMagnitudeBytes(values: MatrixData): Uint8Array {
  const sampleStep = Math.max(1, Math.floor(values.length / 20000));
  const sample: number[] = [];
  for (let k = 0; k < values.length; k += sampleStep) {
    const a = Math.abs(values[k]!);
    if (a > 0) sample.push(a);
  }
  sample.sort((a, b) => a - b);
  const top = sample.length ? sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.995))]! : 1;
  const gain = 255 / Math.max(top, 1e-6);
  const out = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = Math.abs(values[k]!) * gain;
    out[k] = v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/**
 * The video matrix M (pixels x frames: one column per frame) drawn small, as gray bytes: rows are
 * averaged in blocks of pixels, columns in blocks of frames, to fit maxWidth x maxHeight.
 */
export function matrixPicture(
  video: VideoMatrix,
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number; pixels: Uint8Array } {
  const frames = video.rows;
  const pixels = video.cols;
  const width = Math.min(frames, maxWidth);
  const height = Math.min(pixels, maxHeight);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const p0 = Math.floor((y * pixels) / height);
    const p1 = Math.max(p0 + 1, Math.floor(((y + 1) * pixels) / height));
    for (let x = 0; x < width; x++) {
      const f0 = Math.floor((x * frames) / width);
      const f1 = Math.max(f0 + 1, Math.floor(((x + 1) * frames) / width));
      let sum = 0;
      for (let f = f0; f < f1; f++) {
        const row = f * pixels;
        for (let p = p0; p < p1; p++) sum += video.data[row + p]!;
      }
      const v = (sum / ((f1 - f0) * (p1 - p0))) * 255;
      out[y * width + x] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { width, height, pixels: out };
}
