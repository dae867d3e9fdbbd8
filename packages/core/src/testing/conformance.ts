import { isAbortError, isLowrankError } from '../errors.js';
import type { AnyBatchFactorizer, Factorization, LowRankFactorization } from '../factorizer.js';
import { cloneMatrix, type DenseMatrix, matricesEqual, zeros } from '../matrix.js';
import { relativeError } from '../metrics.js';
import { type OptionSpec, resolveMax, toKebabCase } from '../options.js';
import { checkFactorizerShape } from '../plugin-shape.js';
import { createRng } from '../random.js';

/**
 * The conformance kit: what every Factorizer must do, checked the way scikit-learn's
 * check_estimator checks estimators. Call `assertConformance(plugin)` from a test.
 */
export interface ConformanceOptions {
  /** Input for every check (default: a seeded 24 x 16 non-negative rank-3 matrix plus noise and spikes). */
  readonly matrix?: DenseMatrix;
  /** Options passed to every run (for example a small maxIterations). */
  readonly options?: Record<string, unknown>;
  /** Relative Frobenius error allowed for the full-rank reconstruction (default 1e-8; 1e-5 for low-rank-plus-sparse). */
  readonly reconstructionTolerance?: number;
  /** Relative growth of the error allowed from rank k to k+1 (default 1e-9). */
  readonly monotoneSlack?: number;
  /** How soon an abort must take effect once signalled, in ms (default 2000). */
  readonly abortWithinMs?: number;
  /** Names of checks to leave out, each with a reason in your test. */
  readonly skip?: readonly ConformanceCheckName[];
}

export type ConformanceCheckName =
  | 'contract'
  | 'rejects-bad-options'
  | 'does-not-mutate-input'
  | 'honours-abort'
  | 'seeded-runs-repeat'
  | 'full-rank-reconstruction'
  | 'error-non-increasing-in-rank'
  | 'declared-factors-match';

export interface ConformanceResult {
  readonly name: ConformanceCheckName;
  readonly status: 'passed' | 'failed' | 'not-applicable' | 'skipped';
  /** Why it failed, or why it did not apply. */
  readonly message?: string;
}

export interface ConformanceReport {
  readonly plugin: string;
  readonly passed: boolean;
  readonly results: readonly ConformanceResult[];
}

class CheckFailure extends Error {}
class NotApplicable extends Error {}

function fail(message: string): never {
  throw new CheckFailure(message);
}

/** The default check input: non-negative (so NMF-like plugins qualify), rank 3, light noise, a few spikes. */
export function conformanceMatrix(rows = 24, cols = 16, seed = 1): DenseMatrix {
  const rng = createRng(seed);
  const rank = 3;
  const u = Array.from({ length: rows * rank }, () => rng.next());
  const v = Array.from({ length: rank * cols }, () => rng.next());
  const m = zeros(rows, cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += u[i * rank + r]! * v[r * cols + j]!;
      m.data[i * cols + j] = s / rank + 0.01 * rng.next() + (rng.next() < 0.05 ? 0.8 : 0);
    }
  return m;
}

interface Context {
  readonly plugin: AnyBatchFactorizer;
  readonly matrix: DenseMatrix;
  readonly base: Record<string, unknown>;
  readonly settings: ConformanceOptions;
}

function specs(plugin: AnyBatchFactorizer): [string, OptionSpec][] {
  return Object.entries(plugin.options as Record<string, OptionSpec>);
}

function hasIntegerOption(plugin: AnyBatchFactorizer, key: string): boolean {
  const s = (plugin.options as Record<string, OptionSpec>)[key];
  return s !== undefined && (s.type === 'integer' || s.type === 'number');
}

function approximation(result: Factorization): DenseMatrix {
  if (result.kind === 'low-rank') return result.reconstruct();
  const out = cloneMatrix(result.lowRank);
  for (let k = 0; k < out.data.length; k++) out.data[k]! += result.sparse.data[k]!;
  return out;
}

async function run(
  ctx: Context,
  extra: Record<string, unknown> = {},
  control?: Parameters<AnyBatchFactorizer['factorize']>[2],
) {
  return ctx.plugin.factorize(ctx.matrix, { ...ctx.base, ...extra }, control);
}

/** Values that must be refused for one option, each with a label for the message. */
function badValues(
  key: string,
  spec: OptionSpec,
  shape: { rows: number; cols: number },
): [string, unknown][] {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const out: [string, unknown][] = [
        ['a string', 'not-a-number'],
        ['NaN', Number.NaN],
      ];
      if (spec.min !== undefined) out.push([`below min ${spec.min}`, spec.min - 1]);
      const max = resolveMax(spec, shape);
      if (max !== undefined) out.push([`above max ${max}`, max + 1]);
      if (spec.type === 'integer') out.push(['a fraction', (spec.min ?? 0) + 1.5]);
      return out;
    }
    case 'enum':
      return [[`not one of ${spec.values.join('/')}`, `not-a-${key}`]];
    case 'boolean':
      return [['a string', 'yes']];
    case 'string':
      return [['a number', 42]];
  }
}

const checks: Record<ConformanceCheckName, (ctx: Context) => Promise<void>> = {
  async contract({ plugin, matrix }) {
    const problems = checkFactorizerShape(plugin);
    if (problems.length) fail(problems.join('; '));
    if (plugin.kind !== 'low-rank' && plugin.kind !== 'low-rank-plus-sparse')
      fail(
        `kind "${String(plugin.kind)}" is not a batch kind; check streaming plugins with assertStreamingConformance`,
      );
    if (plugin.estimateWorkingBytes) {
      const bytes = plugin.estimateWorkingBytes({ rows: matrix.rows, cols: matrix.cols }, {});
      if (!(Number.isFinite(bytes) && bytes >= 0))
        fail(`estimateWorkingBytes returned ${bytes}; return a finite number of bytes`);
    }
  },

  async 'rejects-bad-options'(ctx) {
    const attempts: [string, string, unknown][] = [['__unknownOption', 'an unknown key', 1]];
    for (const [key, spec] of specs(ctx.plugin)) {
      for (const [label, value] of badValues(key, spec, ctx.matrix)) attempts.push([key, label, value]);
    }
    for (const [key, label, value] of attempts) {
      let accepted = false;
      try {
        await run(ctx, { [key]: value });
        accepted = true;
      } catch (error) {
        const message = String((error as Error)?.message ?? error);
        if (!message.includes(key) && !message.includes(toKebabCase(key))) {
          fail(
            `option "${key}" set to ${label} (${JSON.stringify(value)}) was refused, but the message does not name the option: "${message}"`,
          );
        }
        if (!isLowrankError(error) && !(error instanceof Error))
          fail(`option "${key}": threw a non-Error value`);
      }
      if (accepted)
        fail(
          `option "${key}" set to ${label} (${JSON.stringify(value)}) was accepted silently; validate options against the spec (validateOptions from @lowrank/core)`,
        );
    }
  },

  async 'does-not-mutate-input'(ctx) {
    const before = cloneMatrix(ctx.matrix);
    await run(ctx);
    if (!matricesEqual(before, ctx.matrix)) {
      const k = before.data.findIndex((v, i) => !Object.is(v, ctx.matrix.data[i]));
      ctx.matrix.data.set(before.data); // restore for the checks after this one
      fail(
        `factorize() wrote into its input (first change at row ${Math.floor(k / before.cols)}, column ${k % before.cols}); copy before working in place`,
      );
    }
  },

  async 'honours-abort'(ctx) {
    const controller = new AbortController();
    controller.abort(new Error('conformance check'));
    let resolved = false;
    try {
      await run(ctx, {}, { signal: controller.signal });
      resolved = true;
    } catch (error) {
      if (!isAbortError(error))
        fail(
          `an already-aborted signal gave ${(error as Error)?.name}: ${(error as Error)?.message}, not an AbortError`,
        );
    }
    if (resolved)
      fail(
        'factorize() resolved although its signal was already aborted; call throwIfAborted(signal) before and during the work',
      );
    // Abort mid-run: at the first progress report (or straight after start), it must stop promptly.
    const live = new AbortController();
    let abortedAt = 0;
    const abort = () => {
      if (!live.signal.aborted) {
        abortedAt = performance.now();
        live.abort(new Error('conformance check'));
      }
    };
    const pending = run(ctx, {}, { signal: live.signal, onProgress: abort });
    setTimeout(abort, 0);
    try {
      await pending;
    } catch (error) {
      if (!isAbortError(error)) throw error;
      const late = performance.now() - abortedAt;
      const limit = ctx.settings.abortWithinMs ?? 2000;
      if (late > limit)
        fail(
          `stopped ${late.toFixed(0)} ms after the abort (limit ${limit} ms); check the signal every iteration`,
        );
    }
  },

  async 'seeded-runs-repeat'(ctx) {
    const seeded = hasIntegerOption(ctx.plugin, 'seed') ? { seed: 7 } : {};
    const a = approximation(await run(ctx, seeded));
    const b = approximation(await run(ctx, seeded));
    if (!matricesEqual(a, b)) {
      fail(
        `two runs${'seed' in seeded ? ' with seed 7' : ''} gave different results (relative difference ${relativeError(a, b).toExponential(2)}); derive all randomness from the seed option (createRng from @lowrank/core)`,
      );
    }
  },

  async 'full-rank-reconstruction'(ctx) {
    const full = Math.min(ctx.matrix.rows, ctx.matrix.cols);
    const extra = hasIntegerOption(ctx.plugin, 'rank') ? { rank: full } : {};
    const result = await run(ctx, extra);
    const tolerance = ctx.settings.reconstructionTolerance ?? (ctx.plugin.kind === 'low-rank' ? 1e-8 : 1e-5);
    const err = relativeError(ctx.matrix, approximation(result));
    if (!(err <= tolerance)) {
      fail(
        `${ctx.plugin.kind === 'low-rank' ? 'reconstruct() at full rank' : 'lowRank + sparse'} is off by relative error ${err.toExponential(3)} (tolerance ${tolerance.toExponential(1)})`,
      );
    }
  },

  async 'error-non-increasing-in-rank'(ctx) {
    const full = Math.min(ctx.matrix.rows, ctx.matrix.cols);
    const slack = ctx.settings.monotoneSlack ?? 1e-9;
    const errors: [number, number][] = [];
    if (hasIntegerOption(ctx.plugin, 'rank')) {
      for (const k of [1, 2, 3, 4, 6, full].filter((k, i, all) => k <= full && all.indexOf(k) === i)) {
        const result = await run(ctx, { rank: k });
        const approx = result.kind === 'low-rank' ? result.reconstruct() : result.lowRank;
        errors.push([k, relativeError(ctx.matrix, approx)]);
      }
    } else if (ctx.plugin.kind === 'low-rank') {
      const result = (await run(ctx)) as LowRankFactorization;
      for (let k = 1; k <= result.rank; k++)
        errors.push([k, relativeError(ctx.matrix, result.reconstruct(k))]);
    } else {
      throw new NotApplicable('the plugin has no rank option and its result is not rank-sliceable');
    }
    for (let i = 1; i < errors.length; i++) {
      const [k0, e0] = errors[i - 1]!;
      const [k1, e1] = errors[i]!;
      if (e1 > e0 * (1 + slack) + 1e-15) {
        fail(
          `the error grew with the rank: ${e0.toExponential(4)} at rank ${k0}, ${e1.toExponential(4)} at rank ${k1}`,
        );
      }
    }
  },

  async 'declared-factors-match'(ctx) {
    const result = await run(ctx);
    if (result.kind !== 'low-rank' || !result.factors)
      throw new NotApplicable('the result declares no factors');
    const { u, s, v } = result.factors;
    const k = Math.min(result.rank, s.length);
    if (u.rows !== result.rows || v.rows !== result.cols || u.cols < k || v.cols < k)
      fail(
        `factors are u ${u.rows}x${u.cols}, v ${v.rows}x${v.cols} for a ${result.rows}x${result.cols} input of rank ${k}; give U rows x rank and V cols x rank`,
      );
    for (let i = 1; i < k; i++)
      if (s[i]! > s[i - 1]! * (1 + 1e-12)) fail(`factors.s is not descending at ${i}`);
    const reference = result.reconstruct(k);
    const fromFactors = zeros(result.rows, result.cols);
    for (let i = 0; i < result.rows; i++)
      for (let j = 0; j < result.cols; j++) {
        let sum = 0;
        for (let t = 0; t < k; t++) sum += u.data[i * u.cols + t]! * s[t]! * v.data[j * v.cols + t]!;
        fromFactors.data[i * result.cols + j] = sum;
      }
    const err = relativeError(reference, fromFactors);
    if (!(err <= 1e-8))
      fail(`U diag(s) V^T differs from reconstruct(${k}) by relative error ${err.toExponential(2)}`);
  },
};

export const conformanceCheckNames = Object.keys(checks) as ConformanceCheckName[];

/** Runs every check and reports each; never throws for a failing plugin. */
export async function checkFactorizer(
  plugin: AnyBatchFactorizer,
  settings: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const ctx: Context = {
    plugin,
    matrix: settings.matrix ? cloneMatrix(settings.matrix) : conformanceMatrix(),
    base: { ...(settings.options ?? {}) },
    settings,
  };
  const results: ConformanceResult[] = [];
  const shapeOk = checkFactorizerShape(plugin).length === 0;
  for (const name of conformanceCheckNames) {
    if (settings.skip?.includes(name)) {
      results.push({ name, status: 'skipped' });
      continue;
    }
    if (name !== 'contract' && !shapeOk) {
      results.push({ name, status: 'not-applicable', message: 'the plugin does not meet the contract' });
      continue;
    }
    try {
      await checks[name](ctx);
      results.push({ name, status: 'passed' });
    } catch (error) {
      if (error instanceof NotApplicable)
        results.push({ name, status: 'not-applicable', message: error.message });
      else if (error instanceof CheckFailure)
        results.push({ name, status: 'failed', message: error.message });
      else
        results.push({
          name,
          status: 'failed',
          message: `threw ${(error as Error)?.name}: ${(error as Error)?.message ?? error}`,
        });
    }
  }
  const pluginName = (plugin as Partial<AnyBatchFactorizer>)?.meta?.name ?? '(unnamed)';
  return { plugin: pluginName, passed: results.every((r) => r.status !== 'failed'), results };
}

/** Throws one Error listing every failed check, with what to fix. Use it inside a test. */
export async function assertConformance(
  plugin: AnyBatchFactorizer,
  settings: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const report = await checkFactorizer(plugin, settings);
  if (!report.passed) {
    const lines = report.results
      .filter((r) => r.status === 'failed')
      .map((r) => `  - ${r.name}: ${r.message}`);
    throw new Error(`Plugin "${report.plugin}" fails the Lowrank conformance kit:\n${lines.join('\n')}`);
  }
  return report;
}
