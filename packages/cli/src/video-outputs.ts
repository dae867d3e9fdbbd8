import { type VideoMatrix, videoMatrixFrom } from '@lowrank/core';
import { contrastNormalize } from '@lowrank/io';

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
