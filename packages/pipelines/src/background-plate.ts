import { resolve } from 'node:path';
import { type DenseMatrix, InvalidOptionError, type MatrixData, throwIfAborted } from '@lowrank/core';
import { checkOutputPath, writeImage } from '@lowrank/io';
import type { JobControl } from './image-compression.js';
import type { SeparateVideoOptions } from './separation-types.js';
import { StreamedSeparation } from './streaming-separation.js';
import { separateVideo, type VideoSeparation } from './video-separation.js';

export interface BackgroundPlateOptions
  extends Omit<SeparateVideoOptions, 'out' | 'masks' | 'keepDisplay' | 'keepPartial'> {
  /** Write the plate here (PNG), checked before any work. */
  readonly out?: string;
}

export interface BackgroundPlate {
  readonly width: number;
  readonly height: number;
  /** height x width planes in [0, 1]: one for gray, R, G, B for colour. */
  readonly planes: readonly DenseMatrix<Float64Array>[];
  readonly method: string;
  readonly frames: number;
  readonly out?: string;
}

/** Per value, the median over frames of a frames x values matrix: the background where it is seen most. */
function temporalMedian(lowRank: DenseMatrix, signal?: AbortSignal): Float64Array {
  const { rows, cols, data } = lowRank;
  const out = new Float64Array(cols);
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    if ((j & 0xfff) === 0) throwIfAborted(signal);
    for (let i = 0; i < rows; i++) column[i] = data[i * cols + j]!;
    column.sort();
    out[j] = rows % 2 ? column[(rows - 1) / 2]! : (column[rows / 2 - 1]! + column[rows / 2]!) / 2;
  }
  return out;
}

function planesOf(
  values: MatrixData,
  width: number,
  height: number,
  channels: number,
): DenseMatrix<Float64Array>[] {
  const pixels = width * height;
  return Array.from({ length: channels }, (_, c) => {
    const data = new Float64Array(pixels);
    for (let p = 0; p < pixels; p++) data[p] = Math.min(1, Math.max(0, values[p * channels + c]!));
    return { rows: height, cols: width, data };
  });
}

/**
 * One still image of the scene without what moves: the "remove the tourists" picture, from a video
 * or from a folder of photos of one scene taken from one spot. A batch method gives the per-pixel
 * median of its background L over the frames; a streaming method its background after the last frame.
 */
export async function backgroundPlate(
  source: string,
  options: BackgroundPlateOptions = {},
  control: JobControl = {},
): Promise<BackgroundPlate> {
  const out = options.out === undefined ? undefined : resolve(options.out);
  if (out !== undefined) {
    if (!/\.png$/i.test(out))
      throw new InvalidOptionError(
        options.optionNames?.out ?? 'out',
        `${options.out}: the plate is written as PNG; give a .png file name.`,
      );
    await checkOutputPath(out, { overwrite: options.overwrite ?? false, protect: [resolve(source)] });
  }
  const { out: _out, ...separation } = options;
  const job: VideoSeparation | StreamedSeparation = await separateVideo(source, separation, control);
  const values =
    job instanceof StreamedSeparation ? job.backgroundPlate : temporalMedian(job.lowRank, control.signal);
  const planes = planesOf(values, job.width, job.height, job.channels);
  if (out !== undefined) {
    control.onStage?.('write');
    await writeImage(planes.length === 1 ? planes[0]! : planes, out, {
      overwrite: options.overwrite ?? false,
      protect: [resolve(source)],
      ...(control.signal ? { signal: control.signal } : {}),
    });
  }
  return {
    width: job.width,
    height: job.height,
    planes,
    method: job.method.meta.name,
    frames: job.frames,
    ...(out === undefined ? {} : { out }),
  };
}
