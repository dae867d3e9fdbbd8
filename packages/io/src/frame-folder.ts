import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { MediaError, throwIfAborted } from '@lowrank/core';
import { FRAME_EXTENSIONS, isFramePath } from './media-formats.js';
import { imageDecodeError } from './media-options.js';
import { loadSharp } from './sharp-loader.js';

export interface FrameFolder {
  folder: string;
  /** Frame files in order (sorted by name, code-point order like Python's sorted()). */
  files: string[];
  /** File names without extension, in the same order: name masks after inputs. */
  stems: string[];
  width: number;
  height: number;
  /** Decoder family shared by all frames (jpeg, png, bmp, tiff, webp). */
  format: string;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Width and height from a BMP header (sharp cannot read BMP). */
function bmpSize(header: Buffer, file: string): { width: number; height: number } {
  if (header.length < 26 || header.toString('latin1', 0, 2) !== 'BM') {
    throw new MediaError(file, 'is named .bmp but is not a BMP image.', {
      hint: 'Remove it from the frame folder.',
    });
  }
  return { width: Math.abs(header.readInt32LE(18)), height: Math.abs(header.readInt32LE(22)) };
}

async function frameSize(file: string): Promise<{ width: number; height: number; format: string }> {
  const stat = await fs.stat(file);
  if (stat.size === 0) {
    throw new MediaError(file, 'is empty (0 bytes).', { hint: 'Remove or replace the broken frame.' });
  }
  if (path.extname(file).toLowerCase() === '.bmp') {
    const handle = await fs.open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(26), 0, 26, 0);
      return { ...bmpSize(buffer.subarray(0, bytesRead), file), format: 'bmp' };
    } finally {
      await handle.close();
    }
  }
  try {
    const meta = await (await loadSharp())(file, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no size');
    return { width: meta.width, height: meta.pageHeight ?? meta.height, format: meta.format ?? 'unknown' };
  } catch (error) {
    throw imageDecodeError(file, error);
  }
}

/**
 * Lists a CDnet-style folder of frames: image files sorted by name, all the same size and
 * format (checked from the headers, without decoding). Throws MediaError for a folder with no
 * images, frames of different sizes or mixed formats.
 */
export async function scanFrameFolder(
  folder: string,
  options: { signal?: AbortSignal } = {},
): Promise<FrameFolder> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new MediaError(folder, `cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      cause: error,
    });
  }
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isFramePath(e.name))
    .map((e) => e.name)
    .filter((name) => !name.startsWith('.'))
    .sort(byName);
  if (names.length === 0) {
    throw new MediaError(folder, 'is a folder with no frame images in it.', {
      hint: `Put the frames (${FRAME_EXTENSIONS.map((x) => `.${x}`).join(', ')}) directly in the folder, or give a video file.`,
    });
  }
  const files = names.map((n) => path.join(folder, n));
  let first: { width: number; height: number; format: string } | undefined;
  for (const file of files) {
    throwIfAborted(options.signal);
    const size = await frameSize(file);
    if (!first) {
      first = size;
      continue;
    }
    if (size.width !== first.width || size.height !== first.height) {
      throw new MediaError(
        file,
        `is ${size.width} x ${size.height} but the first frame (${names[0]}) is ${first.width} x ${first.height}; all frames of a folder must be the same size.`,
        { hint: 'Remove or resize the odd frames.' },
      );
    }
    if (size.format !== first.format) {
      throw new MediaError(
        file,
        `is ${size.format} but the first frame (${names[0]}) is ${first.format}; all frames of a folder must share one format.`,
        { hint: 'Convert the frames to one format.' },
      );
    }
  }
  return {
    folder,
    files,
    stems: names.map((n) => n.slice(0, n.length - path.extname(n).length)),
    width: first!.width,
    height: first!.height,
    format: first!.format,
  };
}
