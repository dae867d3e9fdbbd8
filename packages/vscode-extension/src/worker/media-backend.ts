import type { DenseMatrix, VideoMatrix } from '@lowrank/core';

/** An image as one height x width matrix per channel, values in [0, 1]. */
export interface PlanarImage {
  readonly width: number;
  readonly height: number;
  readonly planes: readonly DenseMatrix[];
}

export interface VideoInfo {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps?: number;
}

export interface VideoReadOptions {
  readonly scale: number;
  readonly startFrame: number;
  readonly frameCount: number;
  readonly signal?: AbortSignal;
}

/**
 * Everything the worker needs from media files. The real implementation (media-io.ts) is a thin
 * layer over @lowrank/io; tests substitute small in-memory ones.
 */
export interface MediaBackend {
  readImage(file: string, colour: boolean): Promise<PlanarImage>;
  /** Writes a PNG; refuses to replace an existing file (OutputExistsError). */
  writePng(file: string, image: PlanarImage): Promise<void>;
  probeVideo(file: string): Promise<VideoInfo>;
  /** Gray frames x pixels, values in [0, 1]. */
  readVideo(file: string, options: VideoReadOptions): Promise<VideoMatrix>;
  /** Bytes a separation of this many values is expected to need (inputs, outputs and workspace). */
  estimateSeparationBytes(frames: number, pixels: number): number;
  /** Foreground masks (0 = background, non-zero = foreground per pixel) from the sparse part S. */
  masksFromSparse(sparse: DenseMatrix, width: number, height: number): Uint8Array;
  /** Writes frames x pixels data (values in [0, 1]) as a video file; refuses existing files. */
  writeVideo(file: string, video: VideoMatrix, signal?: AbortSignal): Promise<void>;
  /** Writes each frame as a PNG named names[i].png into the new folder `folder` (refuses an existing one). */
  writeFrames(
    folder: string,
    video: VideoMatrix,
    names: readonly string[],
    signal?: AbortSignal,
  ): Promise<void>;
}
