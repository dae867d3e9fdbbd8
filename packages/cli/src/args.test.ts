import { InvalidOptionError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { type FlagDef, formatFlagHelp, parseArgs, parseNumberFlag, scanFlagValues } from './args.js';

const defs: FlagDef[] = [
  { name: 'rank', kind: 'value', valueName: 'K', description: 'rank' },
  { name: 'json', kind: 'boolean', description: 'json' },
  { name: 'plugin', kind: 'value', repeatable: true, description: 'plugins' },
];

describe('parseArgs', () => {
  it('reads values, switches, repeatable flags and positionals', () => {
    const a = parseArgs(
      ['img.png', '--rank', '5', '--json', '--plugin=a', '--plugin', 'b', '--', '--not-a-flag'],
      defs,
      'compress',
    );
    expect(a.positionals).toEqual(['img.png', '--not-a-flag']);
    expect(a.flags.get('rank')).toBe('5');
    expect(a.flags.get('json')).toBe(true);
    expect(a.flags.get('plugin')).toEqual(['a', 'b']);
  });

  it('supports --no-flag for switches and takes negative numbers as values', () => {
    const a = parseArgs(['--no-json', '--rank', '-3'], defs, 'x');
    expect(a.flags.get('json')).toBe(false);
    expect(a.flags.get('rank')).toBe('-3');
  });

  it('refuses an unknown flag, naming it and the command', () => {
    expect(() => parseArgs(['--bogus'], defs, 'compress')).toThrow(
      /"--bogus".*not a flag of lowrank compress/,
    );
    expect(() => parseArgs(['--bogus'], defs, 'compress')).toThrow(InvalidOptionError);
  });

  it('refuses a value flag without value, a repeated single flag, and short flags', () => {
    expect(() => parseArgs(['--rank'], defs, 'x')).toThrow(/"--rank": needs a value/);
    expect(() => parseArgs(['--rank', '1', '--rank', '2'], defs, 'x')).toThrow(/more than once/);
    expect(() => parseArgs(['-r', '2'], defs, 'x')).toThrow(/short flags/);
  });

  it('scans repeatable values before the full flag set is known', () => {
    expect(
      scanFlagValues(['x', '--plugin', './a', '--zzz', '--plugin=b', '--', '--plugin', 'c'], 'plugin'),
    ).toEqual(['./a', 'b']);
  });
});

describe('parseNumberFlag', () => {
  it('checks integers and bounds, naming the flag', () => {
    expect(parseNumberFlag('rank', '7', { integer: true, min: 1 })).toBe(7);
    expect(() => parseNumberFlag('rank', 'abc', { integer: true, min: 1 })).toThrow(
      /"--rank": expected an integer >= 1, got "abc"/,
    );
    expect(() => parseNumberFlag('rank', '2.5', { integer: true })).toThrow(/"--rank"/);
    expect(() => parseNumberFlag('rank', '0', { integer: true, min: 1 })).toThrow(/0 is out of range/);
    expect(() => parseNumberFlag('energy', '0', { min: 0, max: 1, exclusiveMin: true })).toThrow(
      /"--energy"/,
    );
    expect(() => parseNumberFlag('x', '')).toThrow(/expected a number/);
  });
});

describe('formatFlagHelp', () => {
  it('lists each flag with its description and default', () => {
    const text = formatFlagHelp([
      { name: 'tolerance', kind: 'value', valueName: 'X', description: 'Stop early.', defaultText: '1e-7' },
    ]);
    expect(text).toContain('--tolerance X');
    expect(text).toContain('Stop early. (default: 1e-7)');
  });
});
