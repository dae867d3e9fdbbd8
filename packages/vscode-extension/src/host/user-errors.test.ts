import { describe, expect, it } from 'vitest';
import { describeError } from './user-errors.js';

describe('describeError', () => {
  it('names the file and says how to get ffmpeg', () => {
    const e = describeError('clip.mp4', { code: 'DEPENDENCY_MISSING', message: 'ffmpeg was not found.' });
    expect(e.text).toMatch(/^clip\.mp4: ffmpeg was not found\./);
    expect(e.text).toContain('apt install ffmpeg');
    expect(e.text).toContain('lowrank.ffmpegPath');
    expect(e.actions).toContain('Open Settings');
    expect(e.setting).toBe('lowrank.ffmpegPath');
  });

  it('offers a lower scale for memory-budget errors and keeps the hint', () => {
    const error = { code: 'RESOURCE_LIMIT', message: 'big.avi: needs 9 GiB.', hint: 'Use scale 0.25.' };
    const e = describeError('big.avi', error, true);
    expect(e.text).toBe('big.avi: needs 9 GiB. Use scale 0.25.');
    expect(e.actions).toEqual(['Lower Scale', 'Open Settings']);
    // The compression panel has no scale to lower.
    expect(describeError('big.png', error).actions).toEqual(['Open Settings']);
  });

  it('gives a hint for corrupt media even without one', () => {
    const e = describeError('x.png', { code: 'MEDIA_ERROR', message: 'x.png: could not be decoded.' });
    expect(e.text).toMatch(/^x\.png: could not be decoded\. .*PNG/);
  });

  it('does not repeat a file name already in the message', () => {
    expect(describeError('a.png', { message: 'a.png: bad' }).text).toBe('a.png: bad');
    expect(describeError('a.png', { message: 'bad', hint: 'Do X.' }).text).toBe('a.png: bad Do X.');
  });
});
