import type sharpModule from 'sharp';

let loading: Promise<typeof sharpModule> | undefined;

/**
 * sharp (libvips), loaded on first use: loading it takes a few hundred milliseconds here, which a
 * command that never reads or writes an image through it (a video streamed through ffmpeg, masks
 * written as PNG by png-encoder) should not pay at startup.
 */
export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
