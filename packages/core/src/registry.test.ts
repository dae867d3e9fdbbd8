import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidPluginError, PluginNotFoundError } from './errors.js';
import { FactorizerRegistry, loadPlugins } from './registry.js';
import { svdSplitPlugin, truncatedSvdPlugin } from './testing/plugins.fixture.js';

describe('factorizer registry', () => {
  it('registers, gets and lists by kind', () => {
    const registry = new FactorizerRegistry();
    registry.register(truncatedSvdPlugin()).register(svdSplitPlugin());
    expect(registry.names()).toEqual(['truncated-svd-fixture', 'svd-split-fixture']);
    expect(registry.names('low-rank')).toEqual(['truncated-svd-fixture']);
    expect(registry.names('low-rank-plus-sparse')).toEqual(['svd-split-fixture']);
    expect(registry.get('svd-split-fixture').kind).toBe('low-rank-plus-sparse');
    expect(registry.has('nope')).toBe(false);
    expect(() => registry.get('nope')).toThrow(PluginNotFoundError);
    expect(() => registry.get('nope')).toThrow(/Available: truncated-svd-fixture, svd-split-fixture/);
  });

  it('refuses missing names, duplicates, unsupported apiVersions and invalid option specs, saying which and why', () => {
    const registry = new FactorizerRegistry().register(truncatedSvdPlugin());
    const good = truncatedSvdPlugin();
    expect(() => registry.register(good)).toThrow(
      /Plugin "truncated-svd-fixture": a factorizer with this name is already registered/,
    );
    expect(() => registry.register({ ...good, meta: { ...good.meta, name: '' } })).toThrow(
      /meta.name is missing/,
    );
    expect(() => registry.register({ ...good, meta: { ...good.meta, name: 'MyPlugin' } })).toThrow(
      /must be kebab-case/,
    );
    expect(() =>
      registry.register({ ...good, meta: { ...good.meta, name: 'v2', apiVersion: 2 as never } }),
    ).toThrow(/meta.apiVersion is 2 but this @lowrank\/core speaks apiVersion 1/);
    expect(() =>
      registry.register({
        ...good,
        meta: { ...good.meta, name: 'bad-spec' },
        options: { rank: { type: 'integer', default: 0, min: 1, description: 'r' } } as never,
      }),
    ).toThrow(/options: option "rank": default is invalid/);
    expect(() =>
      registry.register({ ...good, meta: { ...good.meta, name: 'no-kind' }, kind: 'dense' as never }),
    ).toThrow(/kind must be/);
    expect(() => registry.register(null as never)).toThrow(InvalidPluginError);
  });

  it('loads plugins from a module: default export, named factorizer, or factorizers array', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-registry-'));
    // Plugins written as plain objects in plain ESM, the way a third party would.
    const plain = (name: string) =>
      `{ meta: { name: '${name}', version: '1.0.0', apiVersion: 1, displayName: '${name}', description: 'x' }, kind: 'low-rank', options: {}, async factorize() { throw new Error('unused'); } }`;
    writeFileSync(join(dir, 'default.mjs'), `export default ${plain('from-default')};`);
    writeFileSync(join(dir, 'named.mjs'), `export const factorizer = ${plain('from-named')};`);
    writeFileSync(
      join(dir, 'many.mjs'),
      `export const factorizers = [${plain('first')}, ${plain('second')}];`,
    );
    writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;');
    writeFileSync(join(dir, 'invalid.mjs'), `export default { meta: { name: 'bad' } };`);
    const registry = new FactorizerRegistry();
    await registry.load('./default.mjs', dir);
    await registry.load(join(dir, 'named.mjs'));
    await registry.load('./many.mjs', dir);
    expect(registry.names()).toEqual(['from-default', 'from-named', 'first', 'second']);
    await expect(registry.load('./empty.mjs', dir)).rejects.toThrow(/exports no factorizer/);
    await expect(registry.load('./invalid.mjs', dir)).rejects.toThrow(
      /Plugin "bad": from ".\/invalid.mjs" is not a valid factorizer/,
    );
    await expect(registry.load('./missing.mjs', dir)).rejects.toThrow(
      /\.\/missing.mjs: no such file or folder/,
    );
    await expect(registry.load('lowrank-plugin-that-does-not-exist')).rejects.toThrow(
      /Install the package where Lowrank looks for it/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every documented form: package folder, relative path, .js file, package name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowrank-registry-'));
    const plain = (name: string) =>
      `export default { meta: { name: '${name}', version: '1.0.0', apiVersion: 1, displayName: '${name}', description: 'x' }, kind: 'low-rank', options: {}, async factorize() { throw new Error('unused'); } };`;
    const pkg = (folder: string, name: string, manifest: object) => {
      mkdirSync(join(folder, 'dist'), { recursive: true });
      writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module', ...manifest }));
      writeFileSync(join(folder, 'dist', 'index.js'), plain(name));
    };
    pkg(join(dir, 'folder-plugin'), 'from-folder', { exports: { '.': { default: './dist/index.js' } } });
    pkg(join(dir, 'node_modules', 'lowrank-named'), 'from-name', {
      name: 'lowrank-named',
      exports: './dist/index.js',
    });
    writeFileSync(join(dir, 'single.js'), plain('from-file'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(dir, 'unbuilt'));
    writeFileSync(join(dir, 'unbuilt', 'package.json'), JSON.stringify({ main: 'dist/index.js' }));
    const loaded = await loadPlugins({
      specifiers: ['./folder-plugin', join(dir, 'single.js'), 'lowrank-named', './unbuilt', './absent'],
      cwd: dir,
      failures: 'collect',
    });
    expect([...loaded.loaded]).toEqual([
      ['from-folder', './folder-plugin'],
      ['from-file', join(dir, 'single.js')],
      ['from-name', 'lowrank-named'],
    ]);
    expect(loaded.failures.map((f) => f.specifier)).toEqual(['./unbuilt', './absent']);
    expect(loaded.failures[0]!.error.message).toMatch(
      /points at dist\/index.js, which does not exist.*Build the plugin first/,
    );
    await expect(loadPlugins({ specifiers: ['./absent'], cwd: dir })).rejects.toThrow(InvalidPluginError);
    rmSync(dir, { recursive: true, force: true });
  });
});
