import type { BenchSuite } from '@lowrank/core/bench';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIO } from '../test-support.js';
import { suitesOf } from './bench.js';

describe('lowrank bench', () => {
  it("finds BenchSuites among a module's exports (single, arrays, default)", () => {
    const a: BenchSuite = { name: 'a', cases: [] };
    const b: BenchSuite = { name: 'b', cases: [] };
    expect(suitesOf({ suite: a, more: [b, 3], default: a, other: 'x' })).toEqual([a, b]);
  });

  it('exits 2 when --filter matches no case, and for a bad --repeat', async () => {
    const io = captureIO();
    expect(await main(['bench', '--filter', 'no-such-case-anywhere', '--json'], io)).toBe(2);
    expect(io.err()).toContain('No benchmark case matches --filter no-such-case-anywhere');
    expect(io.out()).toBe('');
    const bad = captureIO();
    expect(await main(['bench', '--repeat', '0'], bad)).toBe(2);
    expect(bad.err()).toContain('"--repeat"');
  });
});
