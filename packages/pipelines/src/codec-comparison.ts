import type { DenseMatrix } from '@lowrank/core';
import { qualityForSize } from '@lowrank/io';

export interface CodecPoint {
  readonly format: 'jpeg' | 'webp';
  readonly quality: number;
  readonly bytes: number;
  /** PSNR of the decoded file against the original (pooled over channels). */
  readonly psnr: number;
  /** False when even quality 1 is larger than the budget (then quality 1 is reported). */
  readonly fits: boolean;
}

/**
 * JPEG or WebP at the highest quality whose file fits in `targetBytes` (io's qualityForSize): the
 * codec's point to compare with an SVD storing `targetBytes` numbers. One byte per stored number
 * is generous to the SVD (its factors need more than 8 bits each to keep its PSNR).
 */
export async function codecAtSize(
  image: readonly DenseMatrix[],
  format: 'jpeg' | 'webp',
  targetBytes: number,
  signal?: AbortSignal,
): Promise<CodecPoint> {
  const r = await qualityForSize(image.length === 1 ? image[0]! : image, targetBytes, {
    format,
    ...(signal ? { signal } : {}),
  });
  return { format, quality: r.quality, bytes: r.bytes, psnr: r.psnr, fits: r.reached };
}
