import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputInfo, Sharp } from 'sharp';
import { releaseTemporaryPath, trackTemporaryPath } from './temporary-paths.js';

/** 8-bit interleaved samples that a converter reads a slice at a time. */
export interface SampleSlices {
  /** Bytes in all. */
  readonly length: number;
  /** Copies bytes [start, start + into.length) into `into`. */
  read(into: Uint8Array, start: number): void;
}

/** Samples already in memory, as slices. */
export function samplesInMemory(samples: Uint8Array): SampleSlices {
  return {
    length: samples.length,
    read: (into, start) => into.set(samples.subarray(start, start + into.length)),
  };
}

/** A decoded image whose samples are in a spool file, read back a slice at a time until closed. */
export interface SpooledImage {
  readonly info: OutputInfo;
  readonly samples: SampleSlices;
  /** Closes and deletes the spool file. */
  close(): void;
}

/** libvips' native format: a 64-byte header, then the pixels, interleaved, row by row. */
const VIPS_HEADER_BYTES = 64;
/** The header's first four bytes when the numbers after them are little-endian. */
const VIPS_MAGIC_INTEL = 0xb6a6f208;
const VIPS_FORMAT_UCHAR = 0;
const VIPS_CODING_NONE = 0;

/**
 * Decodes `pipeline` into a temporary file in `directory` (libvips' own .v format) instead of one
 * buffer in memory. The kernel copies the pixels into its page cache and back out to a small
 * buffer, where a fresh buffer of the whole image would take one page fault per 4 KiB on first
 * write: on virtual machines that trap page-table updates (this project's), about 3 ms per MB,
 * 0.2 s for the 72 MB of a 24-megapixel photo, against about 20 ms through the file. The file
 * goes in a folder of its own that only this user can read (the pixels of someone's photo), tracked
 * as a temporary (removed by a supervisor that has to stop at once) and deleted by close.
 */
export async function decodeToSpoolFile(pipeline: Sharp, directory: string): Promise<SpooledImage> {
  const folder = mkdtempSync(join(directory, '.lowrank-decode-'));
  const path = join(folder, 'pixels.v');
  trackTemporaryPath(folder);
  let fd: number | undefined;
  const remove = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(folder, { recursive: true, force: true });
    releaseTemporaryPath(folder);
  };
  try {
    const info = await pipeline.toFile(path);
    fd = openSync(path, 'r');
    const header = Buffer.alloc(VIPS_HEADER_BYTES);
    readFully(fd, header, 0);
    const expected = [info.width, info.height, info.channels, VIPS_FORMAT_UCHAR, VIPS_CODING_NONE];
    const found = [0, 4, 8, 16, 20].map((offset) => header.readInt32LE(4 + offset));
    if (header.readUInt32BE(0) !== VIPS_MAGIC_INTEL || found.some((v, i) => v !== expected[i])) {
      throw new Error(`the spool file's header (${found.join(', ')}) is not ${expected.join(', ')}`);
    }
    const length = info.width * info.height * info.channels;
    const open = fd;
    return {
      info,
      samples: { length, read: (into, start) => readFully(open, into, VIPS_HEADER_BYTES + start) },
      close: remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new Error(`the spool file ends at byte ${position + done}`);
    done += got;
  }
}
