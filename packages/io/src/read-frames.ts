import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { AbortError, InvalidOptionError, MediaError, throwIfAborted } from '@lowrank/core';
import { ffmpegSyncOption, findFfmpeg } from './ffmpeg-discovery.js';
import { ffmpegInputArgs, killChild, StderrTail } from './ffmpeg-process.js';
import { type FrameFolder, scanFrameFolder } from './frame-folder.js';
import { assertReadableFile } from './media-input.js';
import { type ColorMode, checkScaleOptions, scaledSize } from './media-options.js';
import { probeVideo, type VideoInfo, videoOpenError } from './probe-video.js';

export interface ReadFramesOptions {
  /** 'gray' (default, ffmpeg `-pix_fmt gray`) or 'rgb' (rgb24, interleaved per pixel). */
  mode?: ColorMode;
  /** Resize by this factor: max(1, round(side * scale)), like the numpy reference. */
  scale?: number;
  /** Resize to exactly this size (overrides scale). */
  size?: { width: number; height: number };
  /** First frame to read (0-based). Default 0. */
  start?: number;
  /** Most frames to read. Default: all. */
  count?: number;
  /** Read every step-th frame from start. Default 1. */
  step?: number;
  /** An explicit ffmpeg executable (see findFfmpeg for the rest of the chain). */
  ffmpegPath?: string;
  /** Frame-count method for videos (see probeVideo). Default 'packets', or 'estimate' when count is given. */
  countFrames?: 'packets' | 'decode' | 'estimate';
  signal?: AbortSignal;
  /**
   * Told, once decoding has ended, when the input was damaged but decodable (corrupt or missing
   * packets, a truncated file): the frames read are kept, and this says so.
   */
  onWarning?: (message: string) => void;
}

/** One decoded frame: 8-bit samples, row-major, interleaved when channels is 3. */
export interface VideoFrame {
  /** 0-based position in the output sequence. */
  index: number;
  /** Index of this frame in the source (start + index * step). */
  sourceIndex: number;
  /** The frame's file stem, for frame folders. */
  name?: string;
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** What will be decoded, worked out before decoding (sizes, frame count, names). */
export interface VideoSource {
  kind: 'video' | 'folder';
  /** The file or folder given. */
  path: string;
  sourceWidth: number;
  sourceHeight: number;
  /** Output frame size after scaling. */
  width: number;
  height: number;
  channels: 1 | 3;
  fps: number | undefined;
  /** Frames in the whole source (for videos as counted by probeVideo). */
  totalFrames: number;
  /** Frames expected after start / step / count (from the probe's count: exact, packets or an estimate). */
  frames: number;
  start: number;
  step: number;
  /** For folders: the stems of the selected frames, in order. */
  names?: string[];
  /** For folders: the selected frame files, in order. */
  files?: string[];
  /** For videos: the probe result. */
  video?: VideoInfo;
  ffmpeg: string;
  /** The caller's frame limit (count option), passed to ffmpeg as -frames:v. */
  limit?: number;
  /**
   * How this ffmpeg spells frame-rate passthrough (-fps_mode, or -vsync before 5.1): set when the
   * decode needs it (folders, and videos read with start or step).
   */
  syncOption?: '-fps_mode' | '-vsync';
}

function checkIndexOption(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
    throw new InvalidOptionError(name, `${value} must be a whole number >= ${min}.`);
  }
}

async function isFolder(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Inspects a video file or a frame folder and works out what readFrames / readVideoMatrix will
 * decode, without decoding pixels.
 */
export async function openVideoSource(source: string, options: ReadFramesOptions = {}): Promise<VideoSource> {
  const mode = options.mode ?? 'gray';
  if (mode !== 'gray' && mode !== 'rgb')
    throw new InvalidOptionError('mode', `"${String(mode)}" is not one of gray, rgb.`);
  checkScaleOptions(options.scale, options.size);
  checkIndexOption('start', options.start, 0);
  checkIndexOption('count', options.count, 1);
  checkIndexOption('step', options.step, 1);
  const start = options.start ?? 0;
  const step = options.step ?? 1;
  const channels = mode === 'gray' ? 1 : 3;
  const { path: ffmpeg } = await findFfmpeg(options);
  throwIfAborted(options.signal);
  const select = (total: number) => {
    const available = total > start ? Math.ceil((total - start) / step) : 0;
    return Math.min(available, options.count ?? Number.POSITIVE_INFINITY);
  };
  if (await isFolder(source)) {
    const syncOption = await ffmpegSyncOption(ffmpeg);
    const folder: FrameFolder = await scanFrameFolder(source, options);
    const picked: number[] = [];
    const frames = select(folder.files.length);
    for (let k = 0; k < frames; k++) picked.push(start + k * step);
    if (frames === 0) {
      throw new InvalidOptionError(
        'start',
        `${start} is past the last frame of ${source} (${folder.files.length} frames).`,
      );
    }
    const size = options.size ?? scaledSize(folder.width, folder.height, options.scale);
    return {
      kind: 'folder',
      path: source,
      sourceWidth: folder.width,
      sourceHeight: folder.height,
      width: size.width,
      height: size.height,
      channels,
      fps: undefined,
      totalFrames: folder.files.length,
      frames,
      start,
      step,
      names: picked.map((i) => folder.stems[i]!),
      files: picked.map((i) => folder.files[i]!),
      ffmpeg,
      syncOption,
    };
  }
  await assertReadableFile(source, 'video file or frame folder');
  const info = await probeVideo(source, {
    ffmpegPath: ffmpeg,
    ...(options.signal ? { signal: options.signal } : {}),
    // With an explicit count only an estimate is needed (no pass over the whole file);
    // the decode itself is the truth either way.
    count: options.countFrames ?? (options.count === undefined ? 'packets' : 'estimate'),
  });
  const size = options.size ?? scaledSize(info.width, info.height, options.scale);
  const estimated = info.frameCountSource === 'estimate';
  // An estimate of 0 means "unknown": then expect `count` frames (the matrix grows if needed).
  const frames = estimated && info.frames === 0 ? (options.count ?? 0) : select(info.frames);
  if (frames === 0 && info.frames > 0 && !estimated) {
    throw new InvalidOptionError(
      'start',
      `${start} is past the last frame of ${source} (${info.frames} frames).`,
    );
  }
  return {
    kind: 'video',
    path: source,
    sourceWidth: info.width,
    sourceHeight: info.height,
    width: size.width,
    height: size.height,
    channels,
    fps: info.fps === undefined ? undefined : info.fps / step,
    totalFrames: info.frames,
    frames,
    start,
    step,
    video: info,
    ffmpeg,
    ...(start > 0 || step > 1 ? { syncOption: await ffmpegSyncOption(ffmpeg) } : {}),
    ...(options.count === undefined ? {} : { limit: options.count }),
  };
}

function syncOptionOf(source: VideoSource): string {
  if (!source.syncOption)
    throw new Error(
      `The plan for ${source.path} selects frames but has no syncOption (make it with openVideoSource).`,
    );
  return source.syncOption;
}

/**
 * The ffmpeg arguments that decode a video source to raw frames on stdout. With no start/step
 * they are exactly the numpy reference's command (`-vf scale=W:H:flags=area -f rawvideo
 * -pix_fmt gray`), so the bytes match it.
 */
export function videoDecodeArgs(source: VideoSource, count: number | undefined): string[] {
  const scale = `scale=${source.width}:${source.height}:flags=area`;
  // Folders are selected by file (only the chosen files are piped in); videos by a select filter.
  const selecting = source.kind === 'video' && (source.start > 0 || source.step > 1);
  const filter = selecting
    ? `select='gte(n,${source.start})*not(mod(n-${source.start},${source.step}))',${scale}`
    : scale;
  const input =
    source.kind === 'folder' ? ['-f', 'image2pipe', '-i', 'pipe:0'] : ffmpegInputArgs(source.path);
  return [
    // Warnings too: a corrupt or truncated input is reported as a warning, not an error. Videos
    // log verbosely: each (re)configuration of the filter graph names its input size, which is how
    // a frame size that changes midway shows (ffmpeg would silently rescale it).
    '-nostats',
    '-v',
    source.kind === 'video' ? 'verbose' : 'warning',
    ...input,
    '-an',
    '-sn',
    '-vf',
    filter,
    // select drops frames: pass timestamps through so the muxer neither duplicates nor drops.
    ...(selecting || source.kind === 'folder' ? [syncOptionOf(source), 'passthrough'] : []),
    ...(count === undefined ? [] : ['-frames:v', String(count)]),
    '-f',
    'rawvideo',
    '-pix_fmt',
    source.channels === 1 ? 'gray' : 'rgb24',
    'pipe:1',
  ];
}

async function feedFiles(
  child: ChildProcess,
  files: readonly string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const stdin = child.stdin!;
  for (const file of files) {
    if (signal?.aborted || stdin.destroyed) return;
    const bytes = await fs.readFile(file);
    const ok = stdin.write(bytes);
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          stdin.off('close', done);
          resolve();
        };
        stdin.on('drain', done);
        stdin.on('close', done);
      });
    }
  }
  stdin.end();
}

/**
 * Decodes the frames of a video file or frame folder one at a time, streamed from ffmpeg
 * (`-f rawvideo`; the whole file is never held in memory). Breaking out of the loop, an abort
 * or an error kills the ffmpeg process.
 */
export async function* readFrames(
  source: string | VideoSource,
  options: ReadFramesOptions = {},
): AsyncGenerator<VideoFrame> {
  const plan = typeof source === 'string' ? await openVideoSource(source, options) : source;
  yield* decodeFrames(plan, options.signal, options.onWarning);
}

/** ffmpeg's words for an input it could decode only in part. */
const DAMAGE = /corrupt|truncat|partial file|Invalid NAL|missing picture|error while decoding/i;

/** ffmpeg (verbose) configuring its filter graph for the decoded size: `... input from stream 0:0 @ 0x...] w:64 h:48 ...`. */
const GRAPH_INPUT_SIZE = /input from stream [\d:]+ @ [^\]]*\] w:(\d+) h:(\d+)/g;

/** Watches ffmpeg's log for the decoded frame size changing after the first configuration. */
class FrameSizeWatch {
  first: string | undefined;
  changedTo: string | undefined;
  /** Frames delivered when the change was seen (the change is at or just before that frame). */
  nearFrame = 0;
  private carry = '';
  scan(chunk: Buffer, framesSoFar: number): void {
    const text = this.carry + chunk.toString();
    const lastBreak = text.lastIndexOf('\n');
    this.carry = lastBreak < 0 ? text : text.slice(lastBreak + 1);
    for (const [, w, h] of (lastBreak < 0 ? '' : text.slice(0, lastBreak)).matchAll(GRAPH_INPUT_SIZE)) {
      const size = `${w}x${h}`;
      this.first ??= size;
      if (size !== this.first && this.changedTo === undefined) {
        this.changedTo = size;
        this.nearFrame = framesSoFar;
      }
    }
  }
}

function frameSizeChangeError(label: string, watch: FrameSizeWatch): MediaError {
  return new MediaError(
    label,
    `the frame size changes from ${watch.first} to ${watch.changedTo} near frame ${watch.nearFrame + 1}; every frame of a video must have one size.`,
    {
      hint: `Cut the video where the size changes, or re-encode it at one size (ffmpeg -i IN -vf scale=${watch.first!.replace('x', ':')} OUT).`,
    },
  );
}

/** Decodes a planned source (see openVideoSource). */
export async function* decodeFrames(
  plan: VideoSource,
  signal?: AbortSignal,
  onWarning?: (message: string) => void,
): AsyncGenerator<VideoFrame> {
  throwIfAborted(signal);
  if (plan.frames === 0 && plan.kind === 'folder') return;
  const frameBytes = plan.width * plan.height * plan.channels;
  const count = plan.kind === 'folder' ? undefined : plan.limit;
  const args = ['-nostdin', '-hide_banner', ...videoDecodeArgs(plan, count)];
  if (plan.kind === 'folder') args.shift(); // stdin carries the frames
  const child = spawn(plan.ffmpeg, args, {
    stdio: [plan.kind === 'folder' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    windowsHide: true,
    shell: false,
  });
  const stderr = new StderrTail();
  const sizeWatch = new FrameSizeWatch();
  let index = 0;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    if (plan.kind === 'video') sizeWatch.scan(chunk, index);
  });
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const onAbort = () => killChild(child);
  signal?.addEventListener('abort', onAbort, { once: true });
  let feeding: Promise<void> | undefined;
  if (plan.kind === 'folder') {
    child.stdin!.on('error', () => undefined); // EPIPE when ffmpeg stops early; reported via its exit code
    feeding = feedFiles(child, plan.files!, signal).catch((error: unknown) => {
      killChild(child);
      throw new MediaError(plan.path, `a frame could not be read: ${(error as Error).message}`, {
        cause: error,
      });
    });
  }
  const label = plan.path;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          throwIfAborted(signal);
          if (sizeWatch.changedTo) throw frameSizeChangeError(label, sizeWatch);
          const out: VideoFrame = {
            index,
            sourceIndex: plan.start + index * plan.step,
            width: plan.width,
            height: plan.height,
            channels: plan.channels,
            data: frame,
          };
          if (plan.names) out.name = plan.names[index];
          index++;
          yield out;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    if (feeding) await feeding;
    const code = await closed;
    throwIfAborted(signal);
    if (sizeWatch.changedTo) throw frameSizeChangeError(label, sizeWatch);
    // A folder's frames are decoded in order: the first one missing is the file ffmpeg could not
    // decode (and image2pipe loses the frames after a broken one).
    if (plan.kind === 'folder' && plan.files && index < plan.files.length && !spawnError) {
      const bad = plan.files[index]!;
      throw new MediaError(
        bad,
        `could not be decoded (frame ${index + 1} of ${plan.files.length} in ${plan.path}): the image is corrupt or truncated${stderr.lastLines() ? ` (ffmpeg: ${stderr.lastLines()})` : ''}.`,
        { hint: 'Replace or remove that file and run again.' },
      );
    }
    if (spawnError) {
      throw new MediaError(label, `ffmpeg (${plan.ffmpeg}) could not be started: ${spawnError.message}`, {
        cause: spawnError,
      });
    }
    if (code !== 0) {
      if (index === 0) throw videoOpenError(label, stderr.value);
      throw new MediaError(label, `decoding stopped after ${index} frames (ffmpeg: ${stderr.lastLines()}).`, {
        hint: 'The file may be truncated or corrupt; read fewer frames (count) or repair it.',
      });
    }
    if (index === 0) {
      throw new MediaError(
        label,
        `no frames could be decoded${stderr.lastLines() ? ` (ffmpeg: ${stderr.lastLines()})` : ''}.`,
        {
          hint: 'The video may be corrupt or empty.',
        },
      );
    }
    if (filled !== 0) {
      throw new MediaError(
        label,
        `ffmpeg's output ended inside frame ${index} (${filled} of ${frameBytes} bytes).`,
      );
    }
    const damage = stderr.value
      .split('\n')
      .filter((line) => DAMAGE.test(line))
      .map((line) => line.replace(/^\[[^\]]*\]\s*/, '').trim());
    if (damage.length > 0) {
      const expected = plan.frames > index ? `, of ${plan.frames} expected` : '';
      onWarning?.(
        `${label}: the input is damaged (ffmpeg: ${damage.slice(0, 2).join(' | ')}); ${index} frames were decoded${expected}. The file may be truncated or corrupt.`,
      );
    }
  } catch (error) {
    if (signal?.aborted && !(error instanceof AbortError)) throw new AbortError();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    killChild(child);
    child.stdout!.destroy();
    if (feeding) await feeding.catch(() => undefined);
  }
}
