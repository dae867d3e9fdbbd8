/**
 * The worker's media backend and built-in methods: a thin layer over @lowrank/io and the
 * algorithm packages (their public exports only).
 */

import { foregroundMasks, factorizers as rpcaFactorizers } from '@lowrank/algorithms-rpca';
import { factorizers as svdFactorizers } from '@lowrank/algorithms-svd';
import type { AnyFactorizer, DenseMatrix, VideoMatrix } from '@lowrank/core';
import * as io from '@lowrank/io';
import type { WorkerConfig } from '../shared/worker-protocol.js';
import type { MediaBackend, PlanarImage, VideoInfo, VideoReadOptions } from './media-backend.js';

/** Matrices a separation holds at once besides the input: L, S, the dual/residual and a work copy. */
const SEPARATION_MATRICES = 5;

function sameData(a: DenseMatrix, b: DenseMatrix): boolean {
  for (let k = 0; k < a.data.length; k++) if (a.data[k] !== b.data[k]) return false;
  return true;
}

export function builtinFactorizers(): AnyFactorizer[] {
  return [...svdFactorizers, ...rpcaFactorizers] as AnyFactorizer[];
}

export function createMediaBackend(config: WorkerConfig): MediaBackend {
  const ffmpeg = config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {};
  return {
    async readImage(file: string, colour: boolean): Promise<PlanarImage> {
      const image = await io.readImage(file, { mode: colour ? 'rgb' : 'gray' });
      // A gray picture (even one stored as RGB) would factorize three identical channels: keep one.
      const grayOnly =
        image.channels.length === 3 &&
        sameData(image.channels[0]!, image.channels[1]!) &&
        sameData(image.channels[0]!, image.channels[2]!);
      return {
        width: image.width,
        height: image.height,
        planes: grayOnly ? [image.channels[0]!] : image.channels,
      };
    },
    async writePng(file: string, image: PlanarImage): Promise<void> {
      const channels: DenseMatrix | DenseMatrix[] =
        image.planes.length === 1 ? image.planes[0]! : [...image.planes];
      await io.writeImage(channels, file, { format: 'png' });
    },
    async probeVideo(file: string): Promise<VideoInfo> {
      const source = await io.openVideoSource(file, { ...ffmpeg, mode: 'gray' });
      return {
        width: source.sourceWidth,
        height: source.sourceHeight,
        frames: source.totalFrames,
        ...(source.fps === undefined ? {} : { fps: source.fps }),
      };
    },
    async readVideo(file: string, options: VideoReadOptions): Promise<VideoMatrix> {
      const { matrix } = await io.readVideoMatrix(file, {
        ...ffmpeg,
        mode: 'gray',
        scale: options.scale,
        start: options.startFrame,
        count: options.frameCount,
        memoryBudget: config.memoryBudgetBytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return matrix;
    },
    estimateSeparationBytes(frames: number, pixels: number): number {
      return io.estimateVideoBytes({ width: pixels, height: 1, frames }) * (1 + SEPARATION_MATRICES);
    },
    masksFromSparse(sparse: DenseMatrix, width: number, height: number): Uint8Array {
      return foregroundMasks(sparse, { width, height }).data;
    },
    async writeVideo(file: string, video: VideoMatrix, signal?: AbortSignal): Promise<void> {
      await io.writeVideo(video, file, { ...ffmpeg, format: 'mp4', ...(signal ? { signal } : {}) });
    },
    async writeFrames(
      folder: string,
      video: VideoMatrix,
      names: readonly string[],
      signal?: AbortSignal,
    ): Promise<void> {
      await io.writeVideo(video, folder, {
        ...ffmpeg,
        format: 'png-sequence',
        names,
        ...(signal ? { signal } : {}),
      });
    },
  };
}
