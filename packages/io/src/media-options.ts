import { InvalidOptionError, MediaError } from '@lowrank/core';

export type ColorMode = 'gray' | 'rgb';

export function scaledSize(
  width: number,
  height: number,
  scale: number | undefined,
): { width: number; height: number } {
  if (scale === undefined || scale === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function checkScaleOptions(
  scale: number | undefined,
  size: { width: number; height: number } | undefined,
): void {
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0 && scale <= 16)) {
    throw new InvalidOptionError('scale', `${scale} must be a number in (0, 16], e.g. 0.5 for half size.`);
  }
  if (size !== undefined) {
    for (const side of ['width', 'height'] as const) {
      const v = size[side];
      if (!Number.isInteger(v) || v < 1 || v > 65535) {
        throw new InvalidOptionError(
          `size.${side}`,
          `${v} must be a whole number of pixels from 1 to 65535.`,
        );
      }
    }
  }
}

/** Translates a sharp/libvips failure into a MediaError that names the cause and what to do. */
export function imageDecodeError(file: string | undefined, error: unknown): MediaError {
  const message = error instanceof Error ? error.message : String(error);
  const name = file ?? 'image buffer';
  if (/unsupported image format/i.test(message)) {
    return new MediaError(name, 'is not an image format that can be read (or is not an image at all).', {
      hint: 'Use a PNG, JPEG, WebP, TIFF, GIF or AVIF file; check that the extension matches the contents.',
      cause: error,
    });
  }
  if (/pixel limit/i.test(message)) {
    return new MediaError(name, 'has more pixels than allowed.', {
      hint: 'Raise maxPixels if you trust it.',
      cause: error,
    });
  }
  if (
    /premature end|truncated|end of stream|unexpected end|short read|corrupt|invalid|read error|crc|bad/i.test(
      message,
    )
  ) {
    return new MediaError(name, `is truncated or corrupt (${firstLine(message)}).`, {
      hint: 'Re-export or re-download the image.',
      cause: error,
    });
  }
  return new MediaError(name, `could not be decoded (${firstLine(message)}).`, {
    hint: 'Check that the file is a complete, valid image.',
    cause: error,
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
