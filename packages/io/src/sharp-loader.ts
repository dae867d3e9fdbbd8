import type sharpModule from 'sharp';
import { packageRequire } from './package-require.js';

let loading: Promise<typeof sharpModule> | undefined;

/**
 * sharp (libvips), loaded on first use: loading it takes a few hundred milliseconds here, which a
 * command that never reads or writes an image through it (a video streamed through ffmpeg, masks
 * written as PNG by png-encoder) should not pay at startup. Loaded by require rather than import:
 * sharp's dependencies are CommonJS, which the ESM loader reads asynchronously and parses twice
 * (70 ms against 125 ms on this project's machines).
 */
export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= Promise.resolve().then(() => {
    const load = packageRequire();
    return load ? (load('sharp') as typeof sharpModule) : import('sharp').then((m) => m.default);
  });
  return loading;
}
