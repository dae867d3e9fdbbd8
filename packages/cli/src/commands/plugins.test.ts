import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIO, repoRootForTests } from '../test-support.js';

describe('lowrank plugins', () => {
  it('lists the built-in factorizers with kind and options', async () => {
    const io = captureIO();
    expect(await main(['plugins', '--json'], io)).toBe(0);
    const { plugins } = JSON.parse(io.out());
    const names = plugins.map((p: { name: string }) => p.name);
    for (const n of ['svd', 'randomized-svd', 'svd-background', 'rpca']) expect(names).toContain(n);
    const rpca = plugins.find((p: { name: string }) => p.name === 'rpca');
    expect(rpca).toMatchObject({ kind: 'low-rank-plus-sparse', source: 'built-in' });
    expect(rpca.options.find((o: { key: string }) => o.key === 'lambda')).toMatchObject({
      flag: '--lambda',
      type: 'number',
    });
  });

  it('adds plugins loaded with --plugin, by folder', async () => {
    const io = captureIO();
    const folder = resolve(repoRootForTests, 'examples/nmf-plugin');
    expect(await main(['plugins', '--plugin', folder], io)).toBe(0);
    expect(io.out()).toMatch(/^nmf {2}\(low-rank, from .*nmf-plugin, v0\.1\.0\)/m);
    expect(io.out()).toContain('--max-iterations');
  });

  it('exits 2 for a module that is not a plugin', async () => {
    const io = captureIO();
    expect(await main(['plugins', '--plugin', 'node:path'], io)).toBe(2);
    expect(io.err()).toMatch(/node:path.*not a valid factorizer: meta is missing/);
  });
});
