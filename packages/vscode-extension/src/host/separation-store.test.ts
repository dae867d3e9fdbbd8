import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeparationResultInfo } from '../shared/protocol.js';
import { MAX_STORED_SEPARATION_BYTES, SeparationStore } from './separation-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lowrank-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function result(frames: number, width: number, height: number): SeparationResultInfo {
  const n = frames * width * height;
  const bytes = (seed: number) => Uint8Array.from({ length: n }, (_, k) => (k * seed) % 256);
  return {
    method: 'svd-background',
    width,
    height,
    frames,
    fps: 25,
    channels: 1,
    original: bytes(3),
    background: bytes(5),
    foreground: bytes(7),
    mask: bytes(11),
    matrixPicture: { width: frames, height: 4, pixels: Uint8Array.from({ length: frames * 4 }, (_, k) => k) },
    history: [],
    iterations: 1,
    converged: true,
    residual: 0,
    rank: 2,
    milliseconds: 12,
  };
}

describe('SeparationStore', () => {
  it('gives back what it kept, byte for byte, until the source changes', async () => {
    const source = join(dir, 'video.avi');
    writeFileSync(source, 'frames');
    const store = new SeparationStore(join(dir, 'storage'));
    const kept = result(5, 6, 4);
    expect(await store.save(source, kept)).toBe(true);
    expect(await store.load(source)).toEqual(kept);
    // Another window's store reads the same storage.
    expect(await new SeparationStore(join(dir, 'storage')).load(source)).toEqual(kept);
    utimesSync(source, new Date(), new Date(Date.now() + 5000));
    expect(await store.load(source)).toBeUndefined();
  });

  it('keeps a folder of frames, stale once a frame changes, and nothing over the size limit', async () => {
    const folder = join(dir, 'frames');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.png'), 'a');
    const store = new SeparationStore(join(dir, 'storage'));
    expect(await store.save(folder, result(3, 4, 4))).toBe(true);
    expect((await store.load(folder))?.frames).toBe(3);
    writeFileSync(join(folder, 'b.png'), 'b');
    expect(await store.load(folder)).toBeUndefined();
    // Over 64 MiB of frames: not kept.
    const side = Math.ceil(Math.sqrt(MAX_STORED_SEPARATION_BYTES / 4 / 2));
    expect(await store.save(folder, result(2, side, side))).toBe(false);
    expect(await store.load(join(dir, 'never-saved.avi'))).toBeUndefined();
  });
});
