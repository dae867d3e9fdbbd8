// Shared by the tests only (excluded from the build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared test data folder: $LOWRANK_SHARED_DIR/data, else ../shared/data beside the repo. */
export const DATA_DIR = process.env.LOWRANK_SHARED_DIR
  ? path.join(process.env.LOWRANK_SHARED_DIR, 'data')
  : fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

export const data = (relative: string) => path.join(DATA_DIR, relative);

export function tempDir(prefix = 'lowrank-io-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs ffmpeg with the numpy reference's exact decode command (reference.py decode()) and returns
 * the raw gray bytes.
 */
export function referenceGrayDecode(
  ffmpeg: string,
  file: string,
  width: number,
  height: number,
  frames?: number,
): Buffer {
  const args = [
    '-v',
    'error',
    '-i',
    file,
    '-vf',
    `scale=${width}:${height}:flags=area`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
  ];
  if (frames) args.push('-frames:v', String(frames));
  return execFileSync(ffmpeg, [...args, 'pipe:1'], { maxBuffer: 1 << 30 });
}

/** Files left in a folder (to check that nothing half-written stays behind). */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** CRC-32 (PNG chunk checksums), for crafting test files. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A valid PNG whose header claims width x height pixels (a decompression-bomb stand-in). */
export function pngClaiming(smallPng: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(smallPng);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}
