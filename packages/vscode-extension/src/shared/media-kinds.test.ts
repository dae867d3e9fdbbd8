import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extensionPattern } from '@lowrank/io/formats';
import { describe, expect, it } from 'vitest';
import { IMAGE_EXTENSIONS, isImagePath, isVideoPath, VIDEO_EXTENSIONS } from './media-kinds.js';

describe('media kinds', () => {
  it('recognises image extensions in any letter case', () => {
    for (const name of [
      'a.png',
      'B.PNG',
      'c.Jpg',
      'd.jpeg',
      'e.WEBP',
      'f.tif',
      'g.TIFF',
      'h.gif',
      'i.AVIF',
      '/x/y/photo.JPEG',
    ]) {
      expect(isImagePath(name), name).toBe(true);
    }
    for (const name of ['a.mp4', 'png', '.png', 'a.png.txt', 'folder/', 'C:\\x\\y.bmpx'])
      expect(isImagePath(name), name).toBe(false);
  });

  it('recognises video extensions in any letter case', () => {
    for (const name of ['a.mp4', 'b.AVI', 'c.Mov', 'd.mkv', 'e.webm', 'f.M4V'])
      expect(isVideoPath(name), name).toBe(true);
    for (const name of ['a.png', 'a.mp3', 'mp4']) expect(isVideoPath(name), name).toBe(false);
  });
});

describe('package.json agrees with @lowrank/io/formats', () => {
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
  ) as {
    contributes: {
      menus: Record<string, { command: string; when?: string }[]>;
      customEditors: { selector: { filenamePattern: string }[] }[];
    };
  };
  const imageWhen = `resourceExtname =~ /${extensionPattern(IMAGE_EXTENSIONS)}/i`;
  const videoWhen = `resourceExtname =~ /${extensionPattern(VIDEO_EXTENSIONS)}/i`;

  it('every menu entry of each command names exactly the extensions of the table', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        const expected = entry.command === 'lowrank.previewCompression' ? imageWhen : videoWhen;
        expect(entry.when, `${menu} ${entry.command}`).toContain(expected);
        const patterns = entry.when?.match(/resourceExtname =~ \/[^/]+\/i/g) ?? [];
        expect(patterns, `${menu} ${entry.command}`).toEqual([expected]);
      }
    }
  });

  it('the custom editor opens the same image extensions, in either letter case', () => {
    const pattern = manifest.contributes.customEditors[0]!.selector[0]!.filenamePattern;
    const listed = pattern.replace(/^\*\.\{|\}$/g, '').split(',');
    expect(new Set(listed)).toEqual(new Set(IMAGE_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()])));
  });
});
