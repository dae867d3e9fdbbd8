// Shared by the tests only (excluded from the build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the repository's test data (test-data/ at the root; origins in its SOURCES.md). */
export const testData = (relative: string) =>
  fileURLToPath(new URL(`../../../test-data/${relative}`, import.meta.url));

/** A bundled sample (samples/ at the root), read by tests too. */
export const sample = (name: string) => fileURLToPath(new URL(`../../../samples/${name}`, import.meta.url));

/** What OpenCV reads from each test video (test-data/fixtures/videos.json, by make-fixtures.py). */
export const videoFacts = (
  JSON.parse(readFileSync(testData('fixtures/videos.json'), 'utf8')) as {
    videos: Record<
      string,
      { width: number; height: number; fps: number; containerFrames: number; decodedFrames: number }
    >;
  }
).videos;

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
