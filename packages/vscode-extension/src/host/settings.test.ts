import { describe, expect, it } from 'vitest';
import { pluginNote, readSettings } from './settings.js';

const from = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readSettings', () => {
  it('uses defaults for missing or invalid values', () => {
    const s = readSettings(
      from({ defaultRank: -3, 'video.scale': 7, 'video.maxFrames': 1.5, memoryBudgetMB: 'lots' }),
      true,
    );
    expect(s).toEqual({
      defaultRank: 50,
      rankCap: 100,
      defaultVideoMethod: 'auto',
      videoScale: 0.5,
      maxFrames: 200,
      memoryBudgetBytes: 2048 * 2 ** 20,
      ffmpegPath: undefined,
      plugins: [],
    });
  });

  it('reads valid values', () => {
    const s = readSettings(
      from({
        defaultRank: 20,
        'video.defaultMethod': 'svd-background',
        'video.scale': 0.25,
        'video.maxFrames': 80,
        memoryBudgetMB: 512,
        ffmpegPath: ' /opt/ffmpeg ',
        plugins: ['./my-plugin.mjs', 3, ''],
      }),
      true,
    );
    expect(s.defaultRank).toBe(20);
    expect(s.defaultVideoMethod).toBe('svd-background');
    expect(s.videoScale).toBe(0.25);
    expect(s.maxFrames).toBe(80);
    expect(s.memoryBudgetBytes).toBe(512 * 2 ** 20);
    expect(s.ffmpegPath).toBe('/opt/ffmpeg');
    expect(s.plugins).toEqual(['./my-plugin.mjs']);
  });

  it('ignores plugins and the ffmpeg path in an untrusted workspace', () => {
    const s = readSettings(from({ ffmpegPath: '/tmp/evil', plugins: ['./evil.mjs'] }), false);
    expect(s.plugins).toEqual([]);
    expect(s.ffmpegPath).toBeUndefined();
  });
});

describe('pluginNote', () => {
  it('says why plugins are off in Restricted Mode', () => {
    expect(pluginNote(from({ plugins: ['a', 'b'] }), false, [])).toMatch(/Restricted Mode.*2 plugin/);
  });
  it('reports load errors, and nothing when all is well', () => {
    expect(pluginNote(from({ plugins: ['a'] }), true, [{ specifier: 'a', message: 'boom' }])).toMatch(
      /1 plugin module\(s\) in lowrank.plugins could not be loaded/,
    );
    expect(pluginNote(from({ plugins: ['a'] }), true, [])).toBeUndefined();
    expect(pluginNote(from({}), false, [])).toBeUndefined();
  });
});
