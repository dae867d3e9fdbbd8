import { describe, expect, it } from 'vitest';
import { isPanelState, isWebviewToHost } from './protocol.js';

describe('isWebviewToHost', () => {
  it('accepts every well-formed message', () => {
    const good = [
      { type: 'ready' },
      { type: 'compress', method: 'svd', options: { rank: 5, fast: true, mode: 'x' }, colour: false },
      { type: 'quality', rank: 3 },
      { type: 'reconstruct', rank: 1 },
      { type: 'save', rank: 12 },
      {
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 0.5,
        startFrame: 0,
        frameCount: 2,
      },
      { type: 'export' },
      { type: 'cancel' },
    ];
    for (const message of good) expect(isWebviewToHost(message), JSON.stringify(message)).toBe(true);
  });

  it('drops malformed or unknown messages', () => {
    const bad = [
      null,
      'ready',
      { type: 'launchMissiles' },
      { type: 'compress', method: 'svd', options: {}, colour: 'yes' },
      { type: 'compress', method: 'svd', options: { nested: { a: 1 } }, colour: true },
      { type: 'compress', method: 'svd', options: [], colour: true },
      { type: 'quality', rank: 0 },
      { type: 'quality', rank: 2.5 },
      { type: 'save', rank: '3' },
      {
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 0,
        startFrame: 0,
        frameCount: 10,
      },
      {
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 1.5,
        startFrame: 0,
        frameCount: 10,
      },
      {
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 1,
        startFrame: -1,
        frameCount: 10,
      },
      {
        type: 'separate',
        method: 'rpca',
        options: {},
        colour: false,
        scale: 1,
        startFrame: 0,
        frameCount: 1,
      },
      { type: 'separate', method: 'rpca', options: {}, scale: 1, startFrame: 0, frameCount: 10 },
    ];
    for (const message of bad) expect(isWebviewToHost(message), JSON.stringify(message)).toBe(false);
  });
});

describe('isPanelState', () => {
  it('needs a panel kind and a source', () => {
    expect(isPanelState({ panel: 'compression', source: 'file:///a.png', rank: 4 })).toBe(true);
    expect(isPanelState({ panel: 'separation', source: 'file:///v.mp4' })).toBe(true);
    expect(isPanelState({ panel: 'other', source: 'file:///a.png' })).toBe(false);
    expect(isPanelState({ panel: 'compression' })).toBe(false);
    expect(isPanelState(undefined)).toBe(false);
  });
});
