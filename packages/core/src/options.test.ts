import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { checkOptionsSpec, type OptionsSpec, toKebabCase, validateOptions } from './options.js';

interface Opts {
  rank: number;
  powerIterations: number | 'auto';
  normalizer: string;
  seed: number;
  transpose: boolean;
  tolerance: number;
}

const spec: OptionsSpec<Opts> = {
  rank: { type: 'integer', default: 10, min: 1, max: 'min-dimension', description: 'Target rank.' },
  powerIterations: {
    type: 'integer',
    default: 'auto',
    min: 0,
    max: 50,
    allowAuto: true,
    description: 'Power iterations.',
  },
  normalizer: {
    type: 'enum',
    values: ['auto', 'none', 'LU', 'QR'],
    default: 'auto',
    description: 'Normalizer.',
  },
  seed: { type: 'integer', default: 0, min: 0, description: 'Random seed.' },
  transpose: { type: 'boolean', default: false, description: 'Transpose wide inputs.' },
  tolerance: { type: 'number', default: 1e-7, min: 0, max: 1, description: 'Tolerance.' },
};

describe('options spec', () => {
  it('fills defaults and keeps given values', () => {
    expect(validateOptions(spec, { rank: 3 })).toEqual({
      rank: 3,
      powerIterations: 'auto',
      normalizer: 'auto',
      seed: 0,
      transpose: false,
      tolerance: 1e-7,
    });
    expect(validateOptions(spec, { powerIterations: 4 }).powerIterations).toBe(4);
  });

  it('refuses each kind of bad value naming the option', () => {
    const cases: [Partial<Record<keyof Opts, unknown>>, RegExp][] = [
      [{ rank: 0 }, /"rank": 0 is out of range: expected an integer from 1 to min\(rows, cols\)/],
      [{ rank: 2.5 }, /"rank": expected an integer/],
      [{ rank: Number.NaN }, /"rank"/],
      [{ rank: '3' }, /"rank": expected an integer/],
      [{ powerIterations: 51 }, /"powerIterations": 51 is out of range/],
      [{ powerIterations: 'sometimes' }, /"powerIterations".*or "auto"/],
      [{ normalizer: 'lu' }, /"normalizer": expected one of auto, none, LU, QR/],
      [{ transpose: 'yes' }, /"transpose": expected true or false/],
      [{ tolerance: Number.POSITIVE_INFINITY }, /"tolerance"/],
      [{ tolerance: -1 }, /"tolerance": -1 is out of range: expected a number from 0 to 1/],
    ];
    for (const [given, message] of cases) {
      let caught: unknown;
      try {
        validateOptions(spec, given as Partial<Opts>);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(given)).toBeInstanceOf(InvalidOptionError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as InvalidOptionError).code).toBe('INVALID_OPTION');
    }
  });

  it('refuses unknown keys (typos) listing the known ones', () => {
    expect(() => validateOptions(spec, { rnak: 2 } as never)).toThrow(
      /"rnak": is not an option here. Known options: rank, /,
    );
  });

  it('resolves min-dimension bounds from the input shape, clamping the default', () => {
    expect(() => validateOptions(spec, { rank: 6 }, { rows: 5, cols: 8 })).toThrow(/from 1 to 5/);
    expect(validateOptions(spec, {}, { rows: 5, cols: 8 }).rank).toBe(5);
    expect(validateOptions(spec, { rank: 5 }, { rows: 5, cols: 8 }).rank).toBe(5);
  });

  it('checks specs themselves', () => {
    expect(checkOptionsSpec(spec)).toEqual([]);
    expect(checkOptionsSpec({ rank: { type: 'integer', default: 0, min: 1, description: 'r' } })[0]).toMatch(
      /option "rank": default is invalid/,
    );
    expect(checkOptionsSpec({ k: { type: 'float', default: 1, description: 'x' } })[0]).toMatch(
      /type must be/,
    );
    expect(checkOptionsSpec({ k: { type: 'integer', default: 1 } })[0]).toMatch(/needs a description/);
    expect(checkOptionsSpec({ 'bad-key': { type: 'boolean', default: true, description: 'x' } })[0]).toMatch(
      /camelCase/,
    );
    expect(checkOptionsSpec({ m: { type: 'enum', values: [], default: 'a', description: 'x' } })[0]).toMatch(
      /non-empty/,
    );
    expect(
      checkOptionsSpec({ m: { type: 'number', min: 3, max: 1, default: 2, description: 'x' } }),
    ).toContain('option "m": min > max');
    expect(checkOptionsSpec(null)).toEqual(['options must be an object of option specs']);
  });

  it('derives CLI flag names', () => {
    expect(toKebabCase('powerIterations')).toBe('power-iterations');
    expect(toKebabCase('rank')).toBe('rank');
    expect(toKebabCase('maxIterations2D')).toBe('max-iterations2-d');
  });
});
