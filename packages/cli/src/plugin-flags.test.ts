import {
  API_VERSION,
  defineFactorizer,
  type LowRankFactorization,
  matrixFrom,
  type OptionsSpec,
} from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { pluginFlagDefs, pluginOptionsFromArgs, validatePluginOptions } from './plugin-flags.js';

interface Opts {
  rank: number;
  powerIterations: number;
  lambda: number | 'auto';
  centered: boolean;
  solver: string;
}

const spec: OptionsSpec<Opts> = {
  rank: { type: 'integer', default: 5, min: 1, max: 'min-dimension', description: 'Rank.' },
  powerIterations: { type: 'integer', default: 2, min: 0, max: 10, description: 'Power iterations.' },
  lambda: { type: 'number', default: 'auto', allowAuto: true, min: 0, description: 'Sparsity weight.' },
  centered: { type: 'boolean', default: false, description: 'Subtract the mean first.' },
  solver: { type: 'enum', values: ['gram', 'qr'], default: 'gram', description: 'Inner solver.' },
};

const plugin = defineFactorizer<Opts, LowRankFactorization>({
  meta: {
    name: 'fake',
    version: '1.0.0',
    apiVersion: API_VERSION,
    displayName: 'Fake',
    description: 'For tests.',
  },
  kind: 'low-rank',
  options: spec,
  async factorize() {
    const m = matrixFrom(1, 1, new Float64Array(1));
    return {
      kind: 'low-rank',
      rows: 1,
      cols: 1,
      rank: 1,
      diagnostics: { iterations: 0, converged: true, residual: 0, milliseconds: 0 },
      reconstruct: () => m,
      storedNumbers: () => 0,
    };
  },
});

describe('flags from an options spec', () => {
  const defs = pluginFlagDefs(plugin, new Set(['rank']));

  it('turns camelCase keys into kebab-case flags, leaving out keys the command handles', () => {
    expect(defs.map((d) => d.name)).toEqual(['power-iterations', 'lambda', 'centered', 'solver']);
    expect(defs.find((d) => d.name === 'power-iterations')).toMatchObject({
      kind: 'value',
      valueName: 'N',
      defaultText: '2',
    });
    expect(defs.find((d) => d.name === 'power-iterations')!.description).toContain('[min 0, max 10]');
    expect(defs.find((d) => d.name === 'lambda')).toMatchObject({ valueName: 'X|auto', defaultText: 'auto' });
    expect(defs.find((d) => d.name === 'centered')).toMatchObject({ kind: 'boolean' });
    expect(defs.find((d) => d.name === 'solver')).toMatchObject({ valueName: 'gram|qr' });
  });

  it('converts typed values: numbers, auto, --flag / --no-flag, enums', () => {
    const args = parseArgs(
      ['--power-iterations', '4', '--lambda', 'auto', '--no-centered', '--solver', 'qr'],
      defs,
      'x',
    );
    expect(pluginOptionsFromArgs(plugin, args, new Set(['rank']))).toEqual({
      powerIterations: 4,
      lambda: 'auto',
      centered: false,
      solver: 'qr',
    });
    const on = parseArgs(['--centered', '--lambda', '0.25'], defs, 'x');
    expect(pluginOptionsFromArgs(plugin, on, new Set(['rank']))).toEqual({ centered: true, lambda: 0.25 });
  });

  it('reports bad values with the flag name the user typed', () => {
    const args = parseArgs(['--power-iterations', 'many'], defs, 'x');
    expect(() => pluginOptionsFromArgs(plugin, args)).toThrow(/"--power-iterations"/);
    expect(() => validatePluginOptions(plugin, { powerIterations: 11 })).toThrow(
      /"--power-iterations": 11 is out of range/,
    );
    expect(() => validatePluginOptions(plugin, { solver: 'lu' })).toThrow(
      /"--solver": expected one of gram, qr/,
    );
    expect(() => validatePluginOptions(plugin, { rank: 9 }, { rows: 4, cols: 8 })).toThrow(/"--rank"/);
    expect(validatePluginOptions(plugin, {})).toMatchObject({
      rank: 5,
      powerIterations: 2,
      lambda: 'auto',
      centered: false,
      solver: 'gram',
    });
  });
});
