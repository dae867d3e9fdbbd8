import { MediaError, throwIfAborted } from '@lowrank/core';
import { findFfmpeg } from './ffmpeg-discovery.js';
import { ffmpegInputArgs, runFfmpeg } from './ffmpeg-process.js';
import { assertReadableFile } from './media-input.js';

export interface VideoInfo {
  file: string;
  /** The size frames are shown at (and decoded at: ffmpeg applies the stream's rotation). */
  width: number;
  height: number;
  /** Display rotation of the stream in degrees (phone videos: 90 or -90), 0 when none. */
  rotation: number;
  /** Frames per second from the stream header (r_frame_rate / tbr); undefined if unknown. */
  fps: number | undefined;
  /** Number of frames: counted (see frameCountSource), or estimated from duration x fps. */
  frames: number;
  frameCountSource: 'packets' | 'decoded' | 'estimate';
  /** Seconds, from the container header; undefined if it gives none. */
  duration: number | undefined;
  /** ffmpeg's decoder name: mpeg4, msmpeg4v3, rawvideo, h264, ... */
  codec: string;
  /** Pixel format of the stream (yuv420p, bgr24, ...). */
  pixelFormat: string | undefined;
  /** Container format (avi, mov,mp4,..., matroska,webm). */
  container: string;
  /** Which ffmpeg was used. */
  ffmpeg: string;
}

export interface ProbeVideoOptions {
  ffmpegPath?: string;
  signal?: AbortSignal;
  /**
   * How to count frames. 'packets' (default): stream-copy the video and count packets, fast and
   * exact for the usual one-frame-per-packet codecs. 'decode': decode every frame (slow, exact
   * even where headers and packets lie). 'estimate': duration x fps from the header only.
   */
  count?: 'packets' | 'decode' | 'estimate';
}

interface ParsedHeader {
  container: string;
  duration: number | undefined;
  codec: string;
  pixelFormat: string | undefined;
  width: number;
  height: number;
  fps: number | undefined;
  rotation: number;
}

/** Parses the stream description ffmpeg prints for `ffmpeg -i FILE` (no ffprobe needed). */
export function parseFfmpegHeader(stderr: string): ParsedHeader | undefined {
  const container = /Input #0, ([^\n]+?), from /.exec(stderr)?.[1] ?? 'unknown';
  const durationMatch = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const duration = durationMatch
    ? Number(durationMatch[1]) * 3600 + Number(durationMatch[2]) * 60 + Number(durationMatch[3])
    : undefined;
  const line = stderr.split('\n').find((l) => /Stream #0:\d+.*: Video: /.test(l));
  if (!line) return undefined;
  const afterVideo = line.slice(line.indexOf('Video: ') + 7);
  const codec = /^([\w-]+)/.exec(afterVideo)?.[1] ?? 'unknown';
  // Split on top-level commas only (parentheses hold commas too, e.g. "yuv420p(tv, bt709)").
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of afterVideo) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  const pixelFormat = parts[1] ? /^([\w]+)/.exec(parts[1])?.[1] : undefined;
  const sizePart = parts.map((p) => /^(\d+)x(\d+)/.exec(p)).find((m) => m !== null);
  if (!sizePart) return undefined;
  const fpsMatch = /([\d.]+)(k?) fps/.exec(line) ?? /([\d.]+)(k?) tbr/.exec(line);
  const fps = fpsMatch ? Number(fpsMatch[1]) * (fpsMatch[2] === 'k' ? 1000 : 1) : undefined;
  // A display matrix (phone videos): ffmpeg decodes the frames rotated, so a quarter turn swaps
  // the sides the frames come out with.
  const rotationMatch = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(stderr);
  const rotation = rotationMatch ? Number(rotationMatch[1]) : 0;
  const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const coded = { width: Number(sizePart[1]), height: Number(sizePart[2]) };
  return {
    container,
    duration,
    codec,
    pixelFormat,
    width: quarterTurn ? coded.height : coded.width,
    height: quarterTurn ? coded.width : coded.height,
    rotation,
    fps: fps !== undefined && Number.isFinite(fps) && fps > 0 ? fps : undefined,
  };
}

/** Throws a MediaError describing why ffmpeg could not open a file as video. */
export function videoOpenError(file: string, stderr: string): MediaError {
  if (
    /Invalid data found|moov atom not found|could not find codec|Invalid argument|EBML header parsing failed/i.test(
      stderr,
    )
  ) {
    return new MediaError(
      file,
      'is not a readable video (ffmpeg: invalid data; the file is corrupt or not a video).',
      {
        hint: 'Check that the file is a complete video (MP4, AVI, MKV, WebM, ...) or a folder of frames.',
      },
    );
  }
  const tail = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('At least one output'))
    .slice(-2)
    .join(' | ');
  return new MediaError(file, `could not be opened as video (ffmpeg: ${tail || 'no details'}).`, {
    hint: 'Check that it is a video file ffmpeg can read.',
  });
}

/**
 * Width, height, fps, frame count, duration and codec of a video, from ffmpeg alone (no ffprobe).
 */
export async function probeVideo(file: string, options: ProbeVideoOptions = {}): Promise<VideoInfo> {
  await assertReadableFile(file, 'video file');
  const { path: ffmpeg } = await findFfmpeg(options);
  throwIfAborted(options.signal);
  const mode = options.count ?? 'packets';
  // One ffmpeg run describes the input (its header, on stderr at the default log level) and, unless
  // an estimate is enough, counts the frames too: each ffmpeg takes a quarter of a second to start
  // on a busy machine, which a short video's whole run notices.
  const counting = mode !== 'estimate';
  const run = await runFfmpeg(
    ffmpeg,
    counting
      ? [
          ...ffmpegInputArgs(file),
          '-map',
          '0:v:0',
          ...(mode === 'packets' ? ['-c', 'copy'] : []),
          '-f',
          'null',
          '-nostats',
          '-progress',
          'pipe:1',
          '-',
        ]
      : ffmpegInputArgs(file),
    options,
  );
  // The input's description ends where the output's begins.
  const header = run.stderrStart.split(/^(?:Output #0|Stream mapping:)/m)[0]!;
  const parsed = parseFfmpegHeader(header);
  if (!parsed) {
    if (/Input #0/.test(header)) {
      throw new MediaError(file, 'has no video stream (it may be audio only).', {
        hint: 'Give a file that contains video, or a folder of frame images.',
      });
    }
    throw videoOpenError(file, run.stderr);
  }
  let frames: number | undefined;
  let source: VideoInfo['frameCountSource'] = 'estimate';
  if (counting) {
    const all = [...run.stdout.matchAll(/^frame=(\d+)/gm)];
    if (run.code === 0 && all.length > 0) {
      frames = Number(all[all.length - 1]![1]);
      source = mode === 'packets' ? 'packets' : 'decoded';
    } else if (mode === 'decode') {
      throw videoOpenError(file, run.stderr);
    }
  }
  if (frames === undefined) {
    frames =
      parsed.duration !== undefined && parsed.fps !== undefined
        ? Math.round(parsed.duration * parsed.fps)
        : 0;
    source = 'estimate';
  }
  return {
    file,
    width: parsed.width,
    height: parsed.height,
    rotation: parsed.rotation,
    fps: parsed.fps,
    frames,
    frameCountSource: source,
    duration: parsed.duration,
    codec: parsed.codec,
    pixelFormat: parsed.pixelFormat,
    container: parsed.container,
    ffmpeg,
  };
}
