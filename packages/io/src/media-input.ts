import { promises as fs, type Stats } from 'node:fs';
import { MediaError } from '@lowrank/core';
import { isStillImagePath } from './media-formats.js';

/**
 * Checks that `file` is an existing, non-empty regular file before any decoder sees it, so the
 * error names the real cause instead of a decoder's guess. Returns its size in bytes.
 */
export async function assertReadableFile(file: string, what = 'media file'): Promise<number> {
  let stat: Stats;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MediaError(file, `does not exist.`, { hint: `Check the path of the ${what}.`, cause: error });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new MediaError(file, 'cannot be read (permission denied).', {
        hint: 'Check the file permissions.',
        cause: error,
      });
    }
    throw new MediaError(file, `cannot be opened (${code ?? (error as Error).message}).`, { cause: error });
  }
  if (stat.isDirectory()) {
    throw new MediaError(file, `is a folder, but a ${what} was expected.`, {
      hint: 'Give the path of a file inside it.',
    });
  }
  if (!stat.isFile()) {
    throw new MediaError(file, `is not a regular file.`, { hint: `Give the path of a ${what}.` });
  }
  if (stat.size === 0) {
    throw new MediaError(file, 'is empty (0 bytes).', {
      hint: 'The file was probably not fully written or downloaded; use a complete copy.',
    });
  }
  try {
    await fs.access(file, fs.constants.R_OK);
  } catch (error) {
    throw new MediaError(file, 'cannot be read (permission denied).', {
      hint: 'Check the file permissions.',
      cause: error,
    });
  }
  return stat.size;
}

/**
 * What a path holds, for dispatch: a folder (frames), an image (by extension) or a video
 * (anything else, left for ffmpeg to judge). Throws MediaError if the path does not exist.
 */
export async function detectMediaKind(file: string): Promise<'image' | 'video' | 'folder'> {
  let stat: Stats;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    throw new MediaError(file, 'does not exist.', { hint: 'Check the path.', cause: error });
  }
  if (stat.isDirectory()) return 'folder';
  return isStillImagePath(file) ? 'image' : 'video';
}
