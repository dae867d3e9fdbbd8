import { InvalidInputError, type VideoMatrix } from '@lowrank/core';

/** BT.601 luma weights, the ones ffmpeg's `-pix_fmt gray` uses, so gray decodes and colour decodes agree. */
export const LUMA_WEIGHTS = { r: 0.299, g: 0.587, b: 0.114 } as const;

/** A gray (channels 1) video from an interleaved RGB one; a gray video is returned as it is. */
export function luminanceVideo(video: VideoMatrix): VideoMatrix<Float64Array> {
  if (video.channels === 1) {
    if (video.data instanceof Float64Array) return video as VideoMatrix<Float64Array>;
    return { ...video, data: Float64Array.from(video.data) };
  }
  if (video.channels !== 3) {
    throw new InvalidInputError(
      `A video with ${video.channels} channels per pixel is not supported; give 1 (gray) or 3 (RGB).`,
    );
  }
  const pixels = video.width * video.height;
  const out = new Float64Array(video.rows * pixels);
  const src = video.data;
  for (let f = 0; f < video.rows; f++) {
    const o = f * pixels;
    const s = f * video.cols;
    for (let p = 0; p < pixels; p++) {
      const q = s + 3 * p;
      out[o + p] = LUMA_WEIGHTS.r * src[q]! + LUMA_WEIGHTS.g * src[q + 1]! + LUMA_WEIGHTS.b * src[q + 2]!;
    }
  }
  return { ...video, cols: pixels, channels: 1, data: out };
}
