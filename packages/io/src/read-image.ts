import {
  type DenseMatrix,
  type DType,
  dtypeOf,
  InvalidOptionError,
  MediaError,
  ResourceLimitError,
  throwIfAborted,
  zeros,
} from '@lowrank/core';
import type { Metadata, OutputInfo } from 'sharp';
import { ffmpegSyncOption, findFfmpeg } from './ffmpeg-discovery.js';
import { lumaFromRgb } from './luma.js';
import { assertReadableFile } from './media-input.js';
import { type ColorMode, checkScaleOptions, imageDecodeError, scaledSize } from './media-options.js';
import { decodeFrames, type VideoSource } from './read-frames.js';
import { loadSharp } from './sharp-loader.js';
import {
  decodeToSpoolFile,
  type SampleSlices,
  type SpooledImage,
  samplesInMemory,
} from './spooled-decode.js';

/** sharp's own default pixel limit (16383 x 16383): a guard against decompression bombs. */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/** Alpha is composited over this colour before anything else (documented convention: white). */
export const DEFAULT_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

export type { ColorMode } from './media-options.js';

export interface ReadImageOptions {
  /** 'gray' (default): one matrix, BT.601 luma (see luma.ts). 'rgb': three matrices. */
  mode?: ColorMode;
  /** Resize by this factor (size = max(1, round(side * scale))), after EXIF orientation. */
  scale?: number;
  /** Resize to exactly this size (overrides scale). */
  size?: { width: number; height: number };
  /** Refuse images with more pixels than this (ResourceLimitError). Default 16383^2. */
  maxPixels?: number;
  /** Background for alpha flattening, 0..255 per channel. Default white. */
  background?: { r: number; g: number; b: number };
  /** Element type of the matrices. Default float64. */
  dtype?: DType;
  /**
   * 'sharp' (default): libvips, with the conventions above. 'ffmpeg': decode exactly as the numpy
   * reference does (`ffmpeg -vf scale=W:H:flags=area -pix_fmt gray|rgb24`), byte for byte; file
   * paths only, 8-bit, no EXIF orientation, alpha dropped rather than flattened.
   */
  decoder?: 'sharp' | 'ffmpeg';
  /** ffmpeg executable for decoder 'ffmpeg' (see findFfmpeg). */
  ffmpegPath?: string;
  signal?: AbortSignal;
  /**
   * Called once the pixels are being decoded on sharp's threads (decoder 'sharp'), before they
   * arrive: this thread is idle until then, for the caller to prepare what comes next.
   */
  onDecodeStarted?: () => void;
  /**
   * Storage for the gray matrix (mode 'gray', decoder 'sharp'): called with its size once the
   * pixels are being decoded on sharp's threads, it returns a rows x cols matrix of `dtype` that
   * the values are written into, such as one in linalg's kernel memory that threaded products then
   * read in place. The wait for the decoder is this thread's to spend on it.
   */
  allocate?: (rows: number, cols: number) => DenseMatrix;
  /**
   * Converts 8-bit RGB samples (`stride` bytes a pixel) to float32 gray in place of lumaFromRgb,
   * giving the same values (such as @lowrank/pipelines' threaded conversion into kernel memory);
   * returning false leaves the conversion to lumaFromRgb.
   */
  convertLuma?: (samples: SampleSlices, pixels: number, out: Float32Array, stride: number) => boolean;
  /**
   * 8-bit colour to gray: decode into a temporary file in this folder (such as os.tmpdir()) and
   * read it back a slice at a time, rather than into one buffer of the whole image (see
   * decodeToSpoolFile: faster where fresh memory is slow, and the peak holds no RGB copy). The
   * file is deleted before readImage returns or throws; if it cannot be written, the decode runs in
   * memory.
   */
  spoolDirectory?: string;
}

interface Decoded {
  readonly info: OutputInfo;
  /** The samples, in memory. */
  readonly data?: Buffer;
  /** The samples, in a spool file (spoolDirectory). */
  readonly spooled?: SpooledImage;
}

/** Pixels a slice when the gray comes from a spool file without the caller's converter (3 MB of RGB). */
const SPOOL_SLICE_PIXELS = 1 << 20;

/** lumaFromRgb over 8-bit samples read a slice at a time. */
function lumaFromSlices(
  slices: SampleSlices,
  pixels: number,
  out: Float32Array | Float64Array,
  stride: number,
): void {
  const slice = new Uint8Array(Math.min(pixels, SPOOL_SLICE_PIXELS) * stride);
  for (let first = 0; first < pixels; first += SPOOL_SLICE_PIXELS) {
    const count = Math.min(SPOOL_SLICE_PIXELS, pixels - first);
    const bytes = slice.subarray(0, count * stride);
    slices.read(bytes, first * stride);
    lumaFromRgb(bytes, count, out.subarray(first, first + count), 255, stride);
  }
}

export interface ImageMetadata {
  /** Source size as stored (before EXIF orientation and scaling). */
  sourceWidth: number;
  sourceHeight: number;
  /** Channels in the source, alpha included. */
  sourceChannels: number;
  /** Decoder name from sharp: png, jpeg, webp, tiff, gif, heif (AVIF), ... */
  format: string;
  /** Bits per sample of the source (8, 16, 32, 64). 16-bit is kept exactly; deeper inputs are read as 8-bit. */
  bitDepth: number;
  hasAlpha: boolean;
  /** EXIF orientation 1..8 that was applied (1 = none). */
  orientation: number;
  /** Colour space reported by the decoder (srgb, b-w, cmyk, rgb16, grey16, ...). */
  space: string | undefined;
  /** Number of frames/pages (animated GIF/WebP); only the first is read. */
  pages: number;
}

export interface ImageMatrices {
  mode: ColorMode;
  /** Size of the matrices (after orientation and scaling). */
  width: number;
  height: number;
  /** height x width matrices with values in [0, 1]: one for gray, [R, G, B] for rgb. */
  channels: DenseMatrix[];
  /** The first channel (the gray matrix in gray mode). */
  matrix: DenseMatrix;
  metadata: ImageMetadata;
  /** The file name, when read from a file. */
  file?: string;
}

function describe(input: string | Uint8Array): string | undefined {
  return typeof input === 'string' ? input : undefined;
}

function bitsOf(depth: string | undefined): number {
  switch (depth) {
    case 'ushort':
    case 'short':
      return 16;
    case 'uint':
    case 'int':
    case 'float':
      return 32;
    case 'double':
      return 64;
    default:
      return 8;
  }
}

/**
 * Reads an image file (or encoded bytes) into matrices with values in [0, 1]. EXIF orientation is
 * applied, alpha is flattened over `background` (white by default), 16-bit inputs keep 16-bit
 * precision (value / 65535), GIF/WebP animations give their first frame.
 */
export async function readImage(
  input: string | Uint8Array,
  options: ReadImageOptions = {},
): Promise<ImageMatrices> {
  const mode = options.mode ?? 'gray';
  if (mode !== 'gray' && mode !== 'rgb') {
    throw new InvalidOptionError('mode', `"${String(mode)}" is not one of gray, rgb.`);
  }
  checkScaleOptions(options.scale, options.size);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isFinite(maxPixels) && maxPixels >= 1)) {
    throw new InvalidOptionError('maxPixels', `${maxPixels} must be a positive number of pixels.`);
  }
  const file = describe(input);
  throwIfAborted(options.signal);
  if (file !== undefined) await assertReadableFile(file, 'image file');
  else if (input.length === 0) throw new MediaError(undefined, 'The image buffer is empty (0 bytes).');

  const source =
    typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let meta: Metadata;
  try {
    meta = await (await loadSharp())(source, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw imageDecodeError(file, error);
  }
  const sourceWidth = meta.width ?? 0;
  const sourceHeight = meta.height ?? 0;
  if (sourceWidth < 1 || sourceHeight < 1) {
    throw new MediaError(file ?? 'image buffer', 'reports no size; it is not a readable image.');
  }
  // Per frame: animated images report the whole strip's height via pageHeight.
  const frameHeight = meta.pageHeight ?? sourceHeight;
  if (sourceWidth * frameHeight > maxPixels) {
    throw new ResourceLimitError(
      `${file ?? 'The image'} is ${sourceWidth} x ${frameHeight} = ${sourceWidth * frameHeight} pixels, over the limit of ${maxPixels}.`,
      {
        hint: 'This guards against decompression bombs; if you trust the file, raise maxPixels.',
        neededBytes: sourceWidth * frameHeight,
        budgetBytes: maxPixels,
      },
    );
  }
  if (options.decoder === 'ffmpeg') {
    if (file === undefined) {
      throw new InvalidOptionError('decoder', "'ffmpeg' decoding needs a file path, not a buffer.");
    }
    return readImageWithFfmpeg(file, meta, sourceWidth, frameHeight, mode, options);
  }
  if (options.decoder !== undefined && options.decoder !== 'sharp') {
    throw new InvalidOptionError('decoder', `"${String(options.decoder)}" is not one of sharp, ffmpeg.`);
  }
  const orientation = meta.orientation ?? 1;
  const swapped = orientation >= 5 && orientation <= 8;
  const oriented = swapped
    ? { width: frameHeight, height: sourceWidth }
    : { width: sourceWidth, height: frameHeight };
  const target = options.size ?? scaledSize(oriented.width, oriented.height, options.scale);
  const sixteen = meta.depth === 'ushort';
  const sourceIsGray = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;

  const sharp = await loadSharp();
  const keepGray = sourceIsGray;
  const dtype = options.dtype ?? 'float64';
  // 8-bit colour to float32 gray: four bytes per pixel (RGBA) are exactly one float32, so the luma
  // is written over the decoder's own buffer, pixel by pixel after reading it. A big photo then
  // needs one fresh buffer instead of two: first writes into fresh memory cost more than the
  // conversion (about 5 ms per MB on this project's VMs), and the peak holds one copy less.
  const inPlace = mode === 'gray' && dtype === 'float32' && !keepGray && !sixteen && !options.allocate;
  const spoolDirectory =
    mode === 'gray' && !keepGray && !sixteen && !inPlace ? options.spoolDirectory : undefined;
  const decoder = () => {
    let pipeline = sharp(source, {
      limitInputPixels: maxPixels,
      failOn: 'truncated',
      page: 0,
      pages: 1,
    }).rotate();
    if (meta.hasAlpha) {
      const bg = options.background ?? DEFAULT_BACKGROUND;
      pipeline = pipeline.flatten({ background: bg });
    }
    if (target.width !== oriented.width || target.height !== oriented.height) {
      pipeline = pipeline.resize(target.width, target.height, { fit: 'fill' });
    }
    pipeline = pipeline.toColourspace(keepGray ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb');
    return inPlace ? pipeline.ensureAlpha(1) : pipeline;
  };
  const decodeInMemory = (): Promise<Decoded> =>
    decoder()
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  const decoding: Promise<Decoded> =
    spoolDirectory === undefined
      ? decodeInMemory()
      : decodeToSpoolFile(decoder(), spoolDirectory).then(
          (spooled) => ({ info: spooled.info, spooled }),
          // A spool that cannot be written (a full disk, a read-only folder) costs only the speed.
          () => decodeInMemory(),
        );
  // Settled here, whatever the callback does, so a failed decode is never an unhandled rejection.
  const settled = decoding.then(
    (decoded) => ({ decoded }),
    (error: unknown) => ({ error }),
  );
  options.onDecodeStarted?.();
  const storage =
    mode === 'gray' && options.allocate ? options.allocate(target.height, target.width) : undefined;
  if (
    storage &&
    (storage.rows !== target.height || storage.cols !== target.width || dtypeOf(storage) !== dtype)
  ) {
    const outcome = await settled;
    if ('decoded' in outcome) outcome.decoded.spooled?.close();
    throw new InvalidOptionError(
      'allocate',
      `returned a ${storage.rows} x ${storage.cols} ${dtypeOf(storage)} matrix for a ${target.height} x ${target.width} ${dtype} image.`,
    );
  }
  const outcome = await settled;
  if ('error' in outcome) throw imageDecodeError(file, outcome.error);
  const { data, info, spooled } = outcome.decoded;
  const width = info.width;
  const height = info.height;
  const pixels = width * height;
  const maxValue = sixteen ? 65535 : 255;
  const stride = info.channels;
  const channels: DenseMatrix[] = [];
  try {
    throwIfAborted(options.signal);
    const samples =
      data === undefined
        ? undefined
        : sixteen
          ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (samples && data && inPlace && stride === 4 && data.byteOffset % 4 === 0) {
      const plane = new Float32Array(data.buffer, data.byteOffset, pixels);
      lumaFromRgb(samples, pixels, plane, maxValue, stride);
      channels.push({ rows: height, cols: width, data: plane });
    } else if (mode === 'gray') {
      // The decoder gives the size it was asked for; anything else would not fit the storage.
      const m =
        storage && storage.rows === height && storage.cols === width ? storage : zeros(height, width, dtype);
      if (samples && (stride === 1 || stride === 2)) {
        for (let p = 0; p < pixels; p++) m.data[p] = samples[p * stride]! / maxValue;
      } else {
        const slices =
          spooled?.samples ?? (samples instanceof Uint8Array ? samplesInMemory(samples) : undefined);
        const converted =
          options.convertLuma !== undefined &&
          slices !== undefined &&
          m.data instanceof Float32Array &&
          options.convertLuma(slices, pixels, m.data, stride);
        if (!converted && samples) lumaFromRgb(samples, pixels, m.data, maxValue, stride);
        else if (!converted && slices) lumaFromSlices(slices, pixels, m.data, stride);
      }
      channels.push(m);
    } else if (samples) {
      for (let c = 0; c < 3; c++) {
        const m = zeros(height, width, dtype);
        const offset = stride >= 3 ? c : 0;
        for (let p = 0; p < pixels; p++) m.data[p] = samples[p * stride + offset]! / maxValue;
        channels.push(m);
      }
    }
  } finally {
    spooled?.close();
  }
  return {
    mode,
    width,
    height,
    channels,
    matrix: channels[0]!,
    metadata: {
      sourceWidth,
      sourceHeight: frameHeight,
      sourceChannels: meta.channels ?? stride,
      format: meta.format ?? 'unknown',
      bitDepth: bitsOf(meta.depth),
      hasAlpha: meta.hasAlpha ?? false,
      orientation,
      space: meta.space,
      pages: meta.pages ?? 1,
    },
    ...(file === undefined ? {} : { file }),
  };
}

async function readImageWithFfmpeg(
  file: string,
  meta: Metadata,
  sourceWidth: number,
  sourceHeight: number,
  mode: ColorMode,
  options: ReadImageOptions,
): Promise<ImageMatrices> {
  const size = options.size ?? scaledSize(sourceWidth, sourceHeight, options.scale);
  const { path: ffmpeg } = await findFfmpeg(options);
  const syncOption = await ffmpegSyncOption(ffmpeg);
  const channelCount = mode === 'gray' ? 1 : 3;
  // A one-frame "folder": the file's bytes are piped to ffmpeg, so its name is never parsed.
  const plan: VideoSource = {
    kind: 'folder',
    path: file,
    sourceWidth,
    sourceHeight,
    width: size.width,
    height: size.height,
    channels: channelCount,
    fps: undefined,
    totalFrames: 1,
    frames: 1,
    start: 0,
    step: 1,
    files: [file],
    ffmpeg,
    syncOption,
  };
  let bytes: Uint8Array | undefined;
  for await (const frame of decodeFrames(plan, options.signal)) bytes ??= frame.data;
  if (!bytes) throw new MediaError(file, 'ffmpeg decoded no picture from it.');
  const pixels = size.width * size.height;
  const dtype = options.dtype ?? 'float64';
  const channels: DenseMatrix[] = [];
  for (let c = 0; c < channelCount; c++) {
    const m = zeros(size.height, size.width, dtype);
    for (let p = 0; p < pixels; p++) m.data[p] = bytes[p * channelCount + c]! / 255;
    channels.push(m);
  }
  return {
    mode,
    width: size.width,
    height: size.height,
    channels,
    matrix: channels[0]!,
    metadata: {
      sourceWidth,
      sourceHeight,
      sourceChannels: meta.channels ?? channelCount,
      format: meta.format ?? 'unknown',
      bitDepth: bitsOf(meta.depth),
      hasAlpha: meta.hasAlpha ?? false,
      orientation: 1,
      space: meta.space,
      pages: meta.pages ?? 1,
    },
    file,
  };
}

/** An image's size as readImage will return it (EXIF orientation applied), read from its header only. */
export interface ImageProbe {
  readonly width: number;
  readonly height: number;
  /** True when the source has colour (readImage's 'rgb' mode then gives three different channels). */
  readonly colour: boolean;
  readonly format: string;
}

/** Reads an image file's header (no pixels): enough to check a memory budget before decoding. */
export async function probeImage(file: string): Promise<ImageProbe> {
  await assertReadableFile(file, 'image file');
  let meta: Metadata;
  try {
    meta = await (await loadSharp())(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw imageDecodeError(file, error);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width < 1 || height < 1) throw new MediaError(file, 'reports no size; it is not a readable image.');
  const swapped = (meta.orientation ?? 1) >= 5;
  const colour = !(meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2);
  return {
    width: swapped ? height : width,
    height: swapped ? width : height,
    colour,
    format: meta.format ?? 'unknown',
  };
}
