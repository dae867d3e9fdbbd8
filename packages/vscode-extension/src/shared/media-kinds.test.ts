import { describe, expect, it } from 'vitest';
import { isImagePath, isVideoPath } from './media-kinds.js';

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
