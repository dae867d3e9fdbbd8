import path from 'node:path';
import { type DenseMatrix, InvalidInputError, InvalidOptionError, isDenseMatrix } from '@lowrank/core';
import { checkOutputPath, writeFileAtomic } from './atomic-write.js';
import { loadSharp } from './sharp-loader.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface WriteImageOptions {
  /** Output format; default from the file extension (.png, .jpg/.jpeg, .webp). */
  format?: ImageFormat;
  /** JPEG/WebP quality 1..100 (default 90). */
  quality?: number;
  /** PNG bit depth: 8 (default) or 16. */
  bitDepth?: 8 | 16;
  /** Replace an existing file. Default false (OutputExistsError). */
  overwrite?: boolean;
  /** Input files that must never be overwritten, even with overwrite. */
  protect?: readonly string[];
  signal?: AbortSignal;
}

/** One matrix (gray) or three (R, G, B), each height x width with values nominally in [0, 1]. */
export type ImageChannels = DenseMatrix | readonly DenseMatrix[];

/** Clamps to [0, 1]; NaN becomes 0 (Math.min/max would keep NaN). */
export function clampUnit(v: number): number {
  // biome-ignore lint/complexity/useMathMinMax: NaN must fail both tests and map to 0
  return v > 0 ? (v < 1 ? v : 1) : 0;
}

export function formatFromPath(file: string): ImageFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  return undefined;
}

function asChannelList(image: ImageChannels): readonly DenseMatrix[] {
  const list = isDenseMatrix(image) ? [image] : image;
  if (!Array.isArray(list) || (list.length !== 1 && list.length !== 3) || !list.every(isDenseMatrix)) {
    throw new InvalidInputError('An image is one matrix (gray) or an array of three matrices (R, G, B).');
  }
  const { rows, cols } = list[0]!;
  if (rows < 1 || cols < 1) throw new InvalidInputError(`The image matrix is empty (${rows} x ${cols}).`);
  for (const m of list) {
    if (m.rows !== rows || m.cols !== cols) {
      throw new InvalidInputError(`Channel sizes differ: ${rows} x ${cols} and ${m.rows} x ${m.cols}.`);
    }
  }
  return list;
}

/**
 * Interleaves channels into integer samples: clamps to [0, 1] (NaN becomes 0), scales to the
 * bit depth's maximum and rounds to nearest.
 */
export function toSamples(
  image: ImageChannels,
  bitDepth: 8 | 16 = 8,
): {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: 1 | 3;
} {
  const list = asChannelList(image);
  const { rows: height, cols: width } = list[0]!;
  const channels = list.length as 1 | 3;
  const maxValue = bitDepth === 16 ? 65535 : 255;
  const pixels = width * height;
  const out = bitDepth === 16 ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  for (let c = 0; c < channels; c++) {
    const src = list[c]!.data;
    for (let p = 0; p < pixels; p++) {
      const v = src[p]!;
      out[p * channels + c] = Math.round(clampUnit(v) * maxValue);
    }
  }
  return { data: out, width, height, channels };
}

/** Encodes the image to bytes in memory (used by writeImage and the encoded-size helpers). */
export async function encodeImage(
  image: ImageChannels,
  format: ImageFormat,
  options: { quality?: number; bitDepth?: 8 | 16 } = {},
): Promise<Buffer> {
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidOptionError('quality', `${quality} must be a whole number from 1 to 100.`);
  }
  const bitDepth = options.bitDepth ?? 8;
  if (bitDepth !== 8 && bitDepth !== 16)
    throw new InvalidOptionError('bitDepth', `${bitDepth} must be 8 or 16.`);
  if (bitDepth === 16 && format !== 'png') {
    throw new InvalidOptionError('bitDepth', `16-bit output needs PNG, not ${format}.`);
  }
  return encodeSamples(toSamples(image, bitDepth), format, { quality });
}

/**
 * Encodes interleaved integer samples (8-bit, or 16-bit for PNG) as they are: encodeImage after
 * its conversion, for callers that hold bytes already (a PNG sequence of masks).
 */
export async function encodeSamples(
  samples: { data: Uint8Array | Uint16Array; width: number; height: number; channels: 1 | 3 },
  format: ImageFormat,
  options: { quality?: number } = {},
): Promise<Buffer> {
  const quality = options.quality ?? 90;
  const { data, width, height, channels } = samples;
  const bitDepth = data instanceof Uint16Array ? 16 : 8;
  const raw = (await loadSharp())(data, { raw: { width, height, channels } });
  let pipeline =
    channels === 1
      ? raw.toColourspace(bitDepth === 16 ? 'grey16' : 'b-w')
      : raw.toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb');
  if (format === 'png') pipeline = pipeline.png({ compressionLevel: 9 });
  else if (format === 'jpeg')
    pipeline = pipeline.jpeg({ quality, mozjpeg: false, chromaSubsampling: '4:2:0' });
  else pipeline = pipeline.webp({ quality });
  return pipeline.toBuffer();
}

/**
 * Writes a gray or RGB image atomically (temporary file + rename). Values are clamped to [0, 1]
 * and rounded. Refuses to overwrite unless `overwrite` is set; never replaces a protected input.
 */
export async function writeImage(
  image: ImageChannels,
  file: string,
  options: WriteImageOptions = {},
): Promise<void> {
  const format = options.format ?? formatFromPath(file);
  if (format === undefined) {
    throw new InvalidOptionError('format', `cannot tell the image format from "${file}".`, {
      hint: 'Use a .png, .jpg or .webp extension or pass format.',
    });
  }
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') {
    throw new InvalidOptionError('format', `"${String(format)}" is not one of png, jpeg, webp.`);
  }
  await checkOutputPath(file, options);
  const bytes = await encodeImage(image, format, options);
  await writeFileAtomic(file, bytes, options);
}
