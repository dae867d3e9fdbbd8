import {
  type DenseMatrix,
  InvalidOptionError,
  isDenseMatrix,
  psnrFromMse,
  throwIfAborted,
} from '@lowrank/core';
import { readImage } from './read-image.js';
import { clampUnit, encodeImage, type ImageChannels } from './write-image.js';

export type LossyFormat = 'jpeg' | 'webp';

export interface EncodedSize {
  format: LossyFormat;
  quality: number;
  /** Size of the encoded file in bytes. */
  bytes: number;
  /** PSNR in dB (peak 1) of the decoded picture against the given matrices (clamped to [0, 1]). */
  psnr: number;
  /** The decoded picture, same shape as the input. */
  decoded: DenseMatrix[];
  /** The encoded bytes. */
  data: Buffer;
}

function channelList(image: ImageChannels): readonly DenseMatrix[] {
  return isDenseMatrix(image) ? [image] : image;
}

function checkFormat(format: LossyFormat): void {
  if (format !== 'jpeg' && format !== 'webp')
    throw new InvalidOptionError('format', `"${String(format)}" is not one of jpeg, webp.`);
}

/**
 * Encodes the picture as JPEG or WebP at `quality` (1..100) and returns the byte count and the
 * PSNR of the decoded result: the rate-distortion point to compare a rank-k SVD with. The
 * reference is the input clamped to [0, 1] (what an 8-bit file could hold at best).
 */
export async function encodedSize(
  image: ImageChannels,
  options: { format: LossyFormat; quality: number },
): Promise<EncodedSize> {
  checkFormat(options.format);
  const channels = channelList(image);
  const bytes = await encodeImage(image, options.format, { quality: options.quality });
  const decoded = await readImage(bytes, { mode: channels.length === 1 ? 'gray' : 'rgb' });
  let sum = 0;
  let count = 0;
  for (let c = 0; c < channels.length; c++) {
    const a = channels[c]!.data;
    const b = decoded.channels[c]!.data;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      const d = clampUnit(v) - b[i]!;
      sum += d * d;
    }
    count += a.length;
  }
  return {
    format: options.format,
    quality: options.quality,
    bytes: bytes.length,
    psnr: psnrFromMse(sum / count),
    decoded: decoded.channels,
    data: bytes,
  };
}

export interface QualityForSize extends EncodedSize {
  /** True if some quality fits in targetBytes; false means even quality 1 is larger (its result is returned). */
  reached: boolean;
  targetBytes: number;
}

/**
 * The highest quality whose encoding fits in `targetBytes` (binary search over 1..100; file size
 * grows with quality for practical purposes), with that encoding's size and PSNR.
 */
export async function qualityForSize(
  image: ImageChannels,
  targetBytes: number,
  options: { format: LossyFormat; signal?: AbortSignal },
): Promise<QualityForSize> {
  checkFormat(options.format);
  if (!(Number.isFinite(targetBytes) && targetBytes > 0)) {
    throw new InvalidOptionError('targetBytes', `${targetBytes} must be a positive number of bytes.`);
  }
  let lo = 1;
  let hi = 100;
  let best: EncodedSize | undefined;
  const low = await encodedSize(image, { format: options.format, quality: 1 });
  if (low.bytes > targetBytes) return { ...low, reached: false, targetBytes };
  best = low;
  lo = 2;
  while (lo <= hi) {
    throwIfAborted(options.signal);
    const mid = (lo + hi) >> 1;
    const trial = await encodedSize(image, { format: options.format, quality: mid });
    if (trial.bytes <= targetBytes) {
      best = trial;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return { ...best, reached: true, targetBytes };
}
