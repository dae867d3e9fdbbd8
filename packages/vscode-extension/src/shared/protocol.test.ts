import { describe, expect, it } from 'vitest';
import {
  type ChannelFactors,
  FACTOR_PART_VALUES,
  FactorAssembler,
  factorMessages,
  type HostToWebview,
  isPanelState,
  isWebviewToHost,
} from './protocol.js';

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

describe('factorMessages and FactorAssembler', () => {
  it('carry a big channel in slices of at most FACTOR_PART_VALUES and put back the same factors', () => {
    const rows = 3000;
    const cols = 4000;
    const rank = 100;
    const fill = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed));
    const factors: ChannelFactors = {
      rank,
      u: fill(rows * rank, 0.37),
      s: fill(rank, 1.1),
      v: fill(cols * rank, 0.71),
    };
    const messages = factorMessages(2, factors);
    const parts = messages.filter((m) => m.type === 'factorPart');
    expect(parts).toHaveLength(
      Math.ceil((rows * rank) / FACTOR_PART_VALUES) + Math.ceil((cols * rank) / FACTOR_PART_VALUES),
    );
    for (const part of parts) expect(part.values.length).toBeLessThanOrEqual(FACTOR_PART_VALUES);
    const last = messages.at(-1)!;
    expect(last.type).toBe('channelFactors');
    const assembler = new FactorAssembler();
    let assembled: ChannelFactors | undefined;
    for (const message of messages as HostToWebview[]) {
      if (message.type === 'factorPart') assembler.add(message);
      else if (message.type === 'channelFactors')
        assembled = assembler.complete(message.channel, message.factors);
    }
    expect(assembled!.rank).toBe(rank);
    expect(assembled!.u).toEqual(factors.u);
    expect(assembled!.v).toEqual(factors.v);
    expect(assembled!.s).toEqual(factors.s);
  });

  it('sends a small channel as one slice each for u and v', () => {
    const factors: ChannelFactors = {
      rank: 2,
      u: new Float32Array([1, 2, 3, 4]),
      s: new Float32Array([5, 1]),
      v: new Float32Array([6, 7, 8, 9, 10, 11]),
    };
    const messages = factorMessages(0, factors);
    expect(messages.map((m) => m.type)).toEqual(['factorPart', 'factorPart', 'channelFactors']);
    const assembler = new FactorAssembler();
    for (const m of messages) if (m.type === 'factorPart') assembler.add(m);
    const last = messages[2] as Extract<HostToWebview, { type: 'channelFactors' }>;
    expect(assembler.complete(0, last.factors).v).toEqual(factors.v);
  });
});
