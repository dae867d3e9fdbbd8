import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AbortError,
  type DenseMatrix,
  InvalidInputError,
  InvalidOptionError,
  isDenseMatrix,
  isVideoMatrix,
  MediaError,
  throwIfAborted,
  type VideoMatrix,
} from '@lowrank/core';
import { checkOutputPath, createAtomicOutputDir, withTemporaryFile } from './atomic-write.js';
import { ffmpegEncoders, findFfmpeg } from './ffmpeg-discovery.js';
import { ffmpegFileArg, killChild, StderrTail } from './ffmpeg-process.js';
import { encodePng } from './png-encoder.js';
import { clampUnit } from './write-image.js';

const writeFileAsync = promisify(writeFile);

export type VideoOutputFormat = 'mp4' | 'gif' | 'png-sequence';

/** One frame: a height x width gray matrix, or flat samples (w x h x channels, interleaved) in [0, 1] or bytes. */
export type FrameData = DenseMatrix | Float64Array | Float32Array | Uint8Array;

export interface WriteVideoOptions {
  /** Frames per second. Default: the VideoMatrix's fps, else 25. */
  fps?: number;
  /** mp4, gif or png-sequence (a folder of PNGs). Default from the extension (.mp4, .gif; none = folder). */
  format?: VideoOutputFormat;
  /** MP4 codec: 'auto' (default: H.264 if the ffmpeg has libx264, else MPEG-4 Part 2), 'h264' or 'mpeg4'. */
  codec?: 'auto' | 'h264' | 'mpeg4';
  /**
   * 'quality' (default): x264's medium preset. 'fast': its veryfast preset at the same constant
   * quality, about 2.5x the frames per second (highway video), for writing while a video streams.
   */
  speed?: 'quality' | 'fast';
  /** Frame size and channels, needed when frames are flat arrays (not a VideoMatrix or matrices). */
  width?: number;
  height?: number;
  channels?: 1 | 3;
  /** PNG sequence file names (without .png), one per frame; default frame-00001, frame-00002, ... */
  names?: readonly string[];
  overwrite?: boolean;
  /** Inputs that must never be overwritten, even with overwrite. */
  protect?: readonly string[];
  ffmpegPath?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { frames: number; total: number | undefined }) => void;
  /**
   * Called with each frame once its samples are out of its array (handed to ffmpeg and flushed,
   * or encoded as PNG): from then on the caller may reuse the array. Not called for frames an
   * error or abort left unwritten.
   */
  onWritten?: (frame: FrameData, index: number) => void;
}

export interface WrittenVideo {
  path: string;
  format: VideoOutputFormat;
  /** The encoder used (libx264, mpeg4, gif, png). */
  codec: string;
  frames: number;
  width: number;
  height: number;
}

function formatOf(target: string, given: VideoOutputFormat | undefined): VideoOutputFormat {
  if (given) {
    if (given !== 'mp4' && given !== 'gif' && given !== 'png-sequence') {
      throw new InvalidOptionError('format', `"${String(given)}" is not one of mp4, gif, png-sequence.`);
    }
    return given;
  }
  const ext = path.extname(target).toLowerCase();
  if (ext === '.mp4' || ext === '.m4v') return 'mp4';
  if (ext === '.gif') return 'gif';
  if (ext === '') return 'png-sequence';
  throw new InvalidOptionError('format', `cannot tell the video format from "${target}".`, {
    hint: 'Use a .mp4 or .gif extension, a folder name without extension (PNG sequence), or pass format.',
  });
}

interface FrameShape {
  width: number;
  height: number;
  channels: 1 | 3;
}

async function* framesOf(
  input: VideoMatrix | Iterable<FrameData> | AsyncIterable<FrameData>,
): AsyncGenerator<FrameData> {
  if (isVideoMatrix(input)) {
    for (let f = 0; f < input.rows; f++) yield input.data.subarray(f * input.cols, (f + 1) * input.cols);
    return;
  }
  yield* input as AsyncIterable<FrameData>;
}

/** Frame samples as bytes: clamp [0, 1], round; Uint8Array input is taken as bytes already. */
function frameBytes(frame: FrameData, shape: FrameShape, index: number): Uint8Array {
  const length = shape.width * shape.height * shape.channels;
  const values = isDenseMatrix(frame) ? frame.data : frame;
  if (
    isDenseMatrix(frame) &&
    (frame.rows !== shape.height || frame.cols !== shape.width || shape.channels !== 1)
  ) {
    throw new InvalidInputError(
      `Frame ${index} is ${frame.rows} x ${frame.cols}, expected ${shape.height} x ${shape.width}.`,
    );
  }
  if (values.length !== length) {
    throw new InvalidInputError(
      `Frame ${index} has ${values.length} samples, expected ${length} (${shape.width} x ${shape.height} x ${shape.channels}).`,
    );
  }
  if (values instanceof Uint8Array) return values;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    out[i] = Math.round(clampUnit(v) * 255);
  }
  return out;
}

function shapeFrom(input: unknown, first: FrameData | undefined, options: WriteVideoOptions): FrameShape {
  if (isVideoMatrix(input)) {
    if (input.channels !== 1 && input.channels !== 3) {
      throw new InvalidInputError(
        `A video matrix with ${input.channels} channels cannot be written; use 1 or 3.`,
      );
    }
    return { width: input.width, height: input.height, channels: input.channels as 1 | 3 };
  }
  if (first !== undefined && isDenseMatrix(first))
    return { width: first.cols, height: first.rows, channels: 1 };
  const { width, height } = options;
  if (!width || !height) {
    throw new InvalidOptionError('width', 'flat frame arrays need width and height options.');
  }
  return { width, height, channels: options.channels ?? 1 };
}

async function writeToStdin(
  stdin: NodeJS.WritableStream & { destroyed?: boolean },
  bytes: Uint8Array,
  flushed?: () => void,
): Promise<void> {
  // The stream keeps the bytes (no copy) until they are flushed: only then may they be reused.
  const done = flushed
    ? (error?: Error | null) => {
        if (!error) flushed();
      }
    : undefined;
  if (stdin.write(bytes, done)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stdin.off('drain', onDrain);
      stdin.off('close', onClose);
      stdin.off('error', onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('ffmpeg closed its input'));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    stdin.on('drain', onDrain);
    stdin.on('close', onClose);
    stdin.on('error', onError);
  });
}

/**
 * Writes frames as an MP4 (H.264 where the ffmpeg has libx264, else MPEG-4 Part 2; yuv420p,
 * odd sizes padded by one black row/column to even), an animated GIF (palette from the video),
 * or a folder of PNGs. Atomic: nothing appears at `target` until it is complete; on error or
 * abort the ffmpeg child is killed and the partial output removed.
 */
export async function writeVideo(
  input: VideoMatrix | Iterable<FrameData> | AsyncIterable<FrameData>,
  target: string,
  options: WriteVideoOptions = {},
): Promise<WrittenVideo> {
  throwIfAborted(options.signal);
  const format = formatOf(target, options.format);
  const fps = options.fps ?? (isVideoMatrix(input) ? input.fps : undefined) ?? 25;
  if (!(Number.isFinite(fps) && fps > 0 && fps <= 1000))
    throw new InvalidOptionError('fps', `${fps} must be in (0, 1000].`);
  const total = isVideoMatrix(input) ? input.rows : undefined;
  const iterator = framesOf(input)[Symbol.asyncIterator]();
  const firstResult = await iterator.next();
  if (firstResult.done) throw new InvalidInputError('There are no frames to write.');
  const shape = shapeFrom(input, firstResult.value, options);
  async function* allFrames(): AsyncGenerator<FrameData> {
    yield firstResult.value as FrameData;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }

  if (format === 'png-sequence') {
    const out = await createAtomicOutputDir(target, options);
    let count = 0;
    try {
      for await (const frame of allFrames()) {
        throwIfAborted(options.signal);
        const bytes = frameBytes(frame, shape, count);
        const name = options.names?.[count] ?? `frame-${String(count + 1).padStart(5, '0')}`;
        if (/[\\/]/.test(name) || name === '' || name.startsWith('.')) {
          throw new InvalidOptionError('names', `"${name}" is not a plain file name.`);
        }
        // Each frame's bytes straight into a PNG (no float copy, no image library per frame).
        const png = await encodePng(bytes, shape.width, shape.height, shape.channels);
        options.onWritten?.(frame, count);
        // Off this thread (creating a file can take a millisecond on a busy disk), by fs.writeFile's
        // callback form: fs/promises wraps each of its open, write and close in a FileHandle's
        // promises, which cost more than a kilobyte's write.
        await writeFileAsync(path.join(out.path, `${name}.png`), png, { flag: 'wx' });
        count++;
        options.onProgress?.({ frames: count, total });
      }
      await out.commit();
    } catch (error) {
      await out.abort();
      throw error;
    }
    return {
      path: out.target,
      format,
      codec: 'png',
      frames: count,
      width: shape.width,
      height: shape.height,
    };
  }

  await checkOutputPath(target, options);
  const { path: ffmpeg } = await findFfmpeg(options);
  let codec: string;
  let encodeArgs: string[];
  if (format === 'mp4') {
    const wanted = options.codec ?? 'auto';
    if (!['auto', 'h264', 'mpeg4'].includes(wanted)) {
      throw new InvalidOptionError('codec', `"${wanted}" is not one of auto, h264, mpeg4.`);
    }
    const hasX264 = (await ffmpegEncoders(ffmpeg)).has('libx264');
    if (wanted === 'h264' && !hasX264) {
      throw new InvalidOptionError('codec', `h264 needs an ffmpeg with libx264, and ${ffmpeg} has none.`, {
        hint: "Use codec 'mpeg4' or 'auto', or point LOWRANK_FFMPEG at a full ffmpeg build.",
      });
    }
    codec = wanted === 'mpeg4' || !hasX264 ? 'mpeg4' : 'libx264';
    encodeArgs = [
      '-vf',
      'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      ...(codec === 'libx264'
        ? ['-c:v', 'libx264', '-preset', options.speed === 'fast' ? 'veryfast' : 'medium', '-crf', '18']
        : ['-c:v', 'mpeg4', '-q:v', '3']),
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ];
  } else {
    codec = 'gif';
    encodeArgs = [
      '-vf',
      'split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=none',
      '-loop',
      '0',
      '-f',
      'gif',
    ];
  }

  let frames = 0;
  await withTemporaryFile(target, options, async (temporary) => {
    const args = [
      '-hide_banner',
      '-v',
      'error',
      '-n',
      '-f',
      'rawvideo',
      '-pix_fmt',
      shape.channels === 1 ? 'gray' : 'rgb24',
      '-s',
      `${shape.width}x${shape.height}`,
      '-r',
      String(fps),
      '-i',
      'pipe:0',
      '-an',
      ...encodeArgs,
      ffmpegFileArg(temporary),
    ];
    const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true, shell: false });
    const stderr = new StderrTail();
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin!.on('error', () => undefined); // EPIPE if ffmpeg dies: reported through its exit code
    const closed = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const onAbort = () => killChild(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const frame of allFrames()) {
        throwIfAborted(options.signal);
        const index = frames;
        const written = options.onWritten;
        await writeToStdin(
          child.stdin!,
          frameBytes(frame, shape, index),
          written ? () => written(frame, index) : undefined,
        );
        frames++;
        options.onProgress?.({ frames, total });
      }
      child.stdin!.end();
      const code = await closed.catch((error: Error) => {
        throw new MediaError(target, `ffmpeg (${ffmpeg}) could not be started: ${error.message}`, {
          cause: error,
        });
      });
      throwIfAborted(options.signal);
      if (code !== 0) {
        throw new MediaError(
          target,
          `ffmpeg failed to encode (${stderr.lastLines() || `exit code ${code}`}).`,
        );
      }
    } catch (error) {
      killChild(child);
      await closed.catch(() => undefined);
      if (options.signal?.aborted && !(error instanceof AbortError)) throw new AbortError();
      if (error instanceof Error && error.message === 'ffmpeg closed its input') {
        throw new MediaError(target, `ffmpeg stopped early (${stderr.lastLines() || 'no details'}).`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  });
  return { path: target, format, codec, frames, width: shape.width, height: shape.height };
}
