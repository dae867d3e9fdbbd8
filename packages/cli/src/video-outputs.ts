import { type VideoMatrix, videoMatrixFrom } from '@lowrank/core';
import { contrastNormalize, videoMatrixPicture, writeImage, writeVideo } from '@lowrank/io';

/** |S| made visible (io's contrastNormalize: the 99.5th percentile of |S| maps to white), kept as a video. */
export function foregroundPicture(sparse: VideoMatrix): VideoMatrix {
  const shown = contrastNormalize(sparse, { mode: 'abs' });
  return videoMatrixFrom(shown.data, {
    frames: sparse.rows,
    width: sparse.width,
    height: sparse.height,
    channels: sparse.channels,
    ...(sparse.fps === undefined ? {} : { fps: sparse.fps }),
  });
}

export async function writeVideoFile(video: VideoMatrix, file: string, signal?: AbortSignal): Promise<void> {
  await writeVideo(video, file, { format: 'mp4', ...(signal ? { signal } : {}) });
}

/** The video matrix as a picture (pixels down, frames across), as PNG. */
export async function writeMatrixPicture(
  video: VideoMatrix,
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  await writeImage(videoMatrixPicture(video), file, { ...(signal ? { signal } : {}) });
}
