import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { InvalidInputError, isAbortError, throwIfAborted } from '@lowrank/core';
import type { BenchRecord, BenchSuite } from '@lowrank/core/bench';
import { type FlagDef, getBoolean, getNumber, getString, parseArgs } from '../args.js';
import { createBenchContext } from '../bench-context.js';
import { EXIT_FAILURE, EXIT_OK, printJson } from '../cli-io.js';
import type { Command } from '../command.js';
import { commandHelp, guarded, HELP_FLAG, JSON_FLAG } from '../command-support.js';
import { benchDir, dataDir, missingDataHint } from '../data-folders.js';

const FLAGS: FlagDef[] = [
  {
    name: 'filter',
    kind: 'value',
    valueName: 'NAME',
    description: 'Run only cases whose "suite/case" name contains NAME.',
  },
  {
    name: 'repeat',
    kind: 'value',
    valueName: 'N',
    description: 'Timed runs per case; the median is reported.',
    defaultText: '3',
  },
  { name: 'quick', kind: 'boolean', description: 'Skip the slow full-size cases (names containing "full").' },
  JSON_FLAG,
  HELP_FLAG,
];

/** The modules whose exported BenchSuites `lowrank bench` runs, in this order (imported lazily). */
const BENCH_LOADERS: Record<string, () => Promise<unknown>> = {
  '@lowrank/linalg/bench': () => import('@lowrank/linalg/bench'),
  '@lowrank/algorithms-svd/bench': () => import('@lowrank/algorithms-svd/bench'),
  '@lowrank/algorithms-rpca/bench': () => import('@lowrank/algorithms-rpca/bench'),
  '@lowrank/pipelines/bench': () => import('@lowrank/pipelines/bench'),
  '@lowrank/cli big-photo': () => import('../big-photo-bench.js'),
  '@lowrank/cli streaming-memory': () => import('../streaming-memory-bench.js'),
  '@lowrank/cli streaming-throughput': () => import('../streaming-throughput-bench.js'),
};
export const BENCH_MODULES = Object.keys(BENCH_LOADERS);

function isSuite(value: unknown): value is BenchSuite {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BenchSuite).name === 'string' &&
    Array.isArray((value as BenchSuite).cases)
  );
}

/** Every BenchSuite a module exports (single suites, arrays of suites, the default export). */
export function suitesOf(mod: Record<string, unknown>): BenchSuite[] {
  const found: BenchSuite[] = [];
  for (const value of Object.values(mod)) {
    for (const item of Array.isArray(value) ? value : [value])
      if (isSuite(item) && !found.includes(item)) found.push(item);
  }
  return found;
}

export async function loadSuites(
  log: (m: string) => void,
  modules: readonly string[] = BENCH_MODULES,
): Promise<BenchSuite[]> {
  const suites: BenchSuite[] = [];
  for (const specifier of modules) {
    try {
      const load = BENCH_LOADERS[specifier] ?? (() => import(specifier));
      const found = suitesOf((await load()) as Record<string, unknown>);
      if (found.length === 0) log(`${specifier} exports no BenchSuite; skipped.`);
      suites.push(...found);
    } catch (error) {
      log(
        `${specifier} could not be loaded (${(error as Error).message.split('\n')[0]}); skipped. Build it with turbo run build.`,
      );
    }
  }
  return suites;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Benchmark the kernels and algorithms against numpy/scikit-learn in the same run.',
  run: (argv, io) =>
    guarded(io, async () => {
      const args = parseArgs(argv, FLAGS, 'bench');
      if (getBoolean(args, 'help')) {
        io.stdout.write(
          commandHelp({
            usage: 'lowrank bench [--filter NAME] [--repeat N] [--quick] [--json]',
            description: `Runs the BenchSuites of ${BENCH_MODULES.join(', ')}.\nMedia come from the data folder: env LOWRANK_DATA, else ../shared/data beside the repository.\nThe numpy reference (reference.py from env LOWRANK_BENCH, else ../shared/bench) runs when\n/usr/bin/python3 with numpy and scikit-learn is installed.\nWith --json: one JSON record per line on stdout.`,
            flags: FLAGS,
          }),
        );
        return EXIT_OK;
      }
      if (args.positionals.length)
        throw new InvalidInputError(
          `lowrank bench takes no arguments (got "${args.positionals[0]}"); use --filter NAME.`,
        );
      const json = getBoolean(args, 'json');
      const repeat = getNumber(args, 'repeat', { integer: true, min: 1, max: 1000 }) ?? 3;
      const filter = getString(args, 'filter');
      const quick = getBoolean(args, 'quick');
      const log = (m: string) => io.stderr.write(`bench: ${m}\n`);
      const data = dataDir(io.env);
      if (!existsSync(data)) log(missingDataHint(data));
      const ctx = createBenchContext({
        dataDir: data,
        benchDir: benchDir(io.env),
        repeat,
        signal: io.signal,
        log,
        quick,
      });
      const suites = await loadSuites(log);
      const [l1, l5] = loadavg();
      log(
        `load average ${l1!.toFixed(2)} (1 min) ${l5!.toFixed(2)} (5 min); repeat ${repeat}${quick ? '; quick' : ''}`,
      );
      let ran = 0;
      let failed = 0;
      for (const suite of suites) {
        for (const c of suite.cases) {
          const name = `${suite.name}/${c.name}`;
          if (filter && !name.includes(filter)) continue;
          if (quick && /full/i.test(c.name)) {
            log(`${name}: skipped (--quick)`);
            continue;
          }
          throwIfAborted(io.signal);
          let records: BenchRecord[];
          try {
            records = await c.run(ctx);
          } catch (error) {
            if (isAbortError(error)) throw error;
            failed++;
            log(`${name} failed: ${(error as Error).message}`);
            continue;
          }
          ran++;
          for (const record of records) {
            const line = { suite: suite.name, ...record, load: Number(loadavg()[0]!.toFixed(2)) };
            if (json) printJson(io, line);
            else io.stdout.write(humanLine(line));
          }
        }
      }
      if (ran === 0 && failed === 0) {
        throw new InvalidInputError(
          filter
            ? `No benchmark case matches --filter ${filter}.`
            : 'No benchmark suites were found; build the packages first (turbo run build).',
        );
      }
      return failed > 0 ? EXIT_FAILURE : EXIT_OK;
    }),
};

function humanLine(r: BenchRecord & { suite: string }): string {
  const parts = [`${r.suite}/${r.case}`.padEnd(44), `${r.seconds.toFixed(4)} s`];
  if (r.referenceSeconds !== undefined) parts.push(`numpy ${r.referenceSeconds.toFixed(4)} s`);
  if (r.ratio !== undefined) parts.push(`ratio ${r.ratio.toFixed(2)}`);
  if (r.relativeError !== undefined) parts.push(`rel.err ${r.relativeError.toExponential(2)}`);
  // Mask-quality cases: our F-measure, then each reference subtractor's from the same run.
  if (typeof r.fMeasure === 'number') {
    const score = (s: Record<string, unknown>) =>
      `F ${(s.fMeasure as number).toFixed(3)} (P ${(s.precision as number).toFixed(3)}, R ${(s.recall as number).toFixed(3)})`;
    parts.push(score(r));
    for (const [name, s] of Object.entries((r.reference ?? {}) as Record<string, Record<string, unknown>>))
      if (typeof s.fMeasure === 'number') parts.push(`${name} ${score(s)}`);
  }
  return `${parts.join('  ')}\n`;
}
