import { InvalidInputError, isAbortError, isLowrankError } from '../errors.js';
import type {
  AnyStreamingFactorizer,
  FrameShape,
  RunControl,
  SeparatedFrame,
  StreamingSeparation,
} from '../factorizer.js';
import type { MatrixData } from '../matrix.js';
import { type OptionSpec, toKebabCase } from '../options.js';
import { checkFactorizerShape } from '../plugin-shape.js';
import { createRng } from '../random.js';

/**
 * The streaming half of the conformance kit: what every streaming separator must do, on a small
 * synthetic video (a slowly brightening gradient background, a block moving across it, light noise).
 */
export type StreamingCheckName =
  | 'contract'
  | 'rejects-bad-options'
  | 'does-not-mutate-input'
  | 'honours-abort'
  | 'seeded-runs-repeat'
  | 'frames-out-equal-frames-in'
  | 'state-stays-bounded'
  | 'refuses-wrong-frame-size'
  | 'noise-level-is-sound';

export const streamingConformanceCheckNames: readonly StreamingCheckName[] = [
  'contract',
  'rejects-bad-options',
  'does-not-mutate-input',
  'honours-abort',
  'seeded-runs-repeat',
  'frames-out-equal-frames-in',
  'state-stays-bounded',
  'refuses-wrong-frame-size',
  'noise-level-is-sound',
];

export interface StreamingConformanceOptions {
  /** Frames for every check (default: conformanceVideo()). All must have the length of `frame`. */
  readonly frames?: readonly MatrixData[];
  readonly frame?: FrameShape;
  /** Options passed to every open(). */
  readonly options?: Record<string, unknown>;
  /** Relative error allowed for lowRank + sparse against the frame (default 1e-6). */
  readonly reconstructionTolerance?: number;
  /** How soon an abort must take effect once signalled, in ms (default 2000). */
  readonly abortWithinMs?: number;
  readonly skip?: readonly StreamingCheckName[];
}

/** A width x height gray video of `frames` frames with a known background and one moving block. */
export function conformanceVideo(
  frames = 48,
  width = 16,
  height = 12,
  seed = 3,
): { frame: FrameShape; frames: Float64Array[] } {
  const rng = createRng(seed);
  const out: Float64Array[] = [];
  for (let f = 0; f < frames; f++) {
    const data = new Float64Array(width * height);
    const light = 0.9 + (0.1 * f) / Math.max(1, frames - 1);
    const bx = (f * 2) % (width - 3);
    const by = Math.floor(height / 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        let v = light * (0.2 + (0.5 * x) / width + (0.2 * y) / height) + 0.005 * (rng.next() - 0.5);
        if (x >= bx && x < bx + 3 && y >= by && y < by + 3) v = 0.98;
        data[y * width + x] = v;
      }
    out.push(data);
  }
  return { frame: { width, height, channels: 1 }, frames: out };
}

class CheckFailure extends Error {}

function fail(message: string): never {
  throw new CheckFailure(message);
}

interface Context {
  readonly plugin: AnyStreamingFactorizer;
  readonly frame: FrameShape;
  readonly frames: readonly MatrixData[];
  readonly base: Record<string, unknown>;
  readonly settings: StreamingConformanceOptions;
}

interface Collected {
  readonly frames: { index: number; lowRank: Float64Array; sparse: Float64Array }[];
  readonly separation: StreamingSeparation;
}

function keep(out: readonly SeparatedFrame[], into: Collected['frames']): void {
  for (const f of out)
    into.push({ index: f.index, lowRank: Float64Array.from(f.lowRank), sparse: Float64Array.from(f.sparse) });
}

/** Opens a separation, pushes `count` frames (cycling through the video) and finishes. */
async function runStream(
  ctx: Context,
  count = ctx.frames.length,
  extra: Record<string, unknown> = {},
  control?: RunControl,
  afterPush?: (index: number, separation: StreamingSeparation) => void,
): Promise<Collected> {
  const separation = ctx.plugin.open(ctx.frame, { ...ctx.base, ...extra }, control);
  const frames: Collected['frames'] = [];
  for (let i = 0; i < count; i++) {
    keep(await separation.push(ctx.frames[i % ctx.frames.length]!), frames);
    afterPush?.(i, separation);
  }
  keep(await separation.finish(), frames);
  return { frames, separation };
}

function badValues(key: string, spec: OptionSpec): [string, unknown][] {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const out: [string, unknown][] = [
        ['a string', 'not-a-number'],
        ['NaN', Number.NaN],
      ];
      if (spec.min !== undefined) out.push([`below min ${spec.min}`, spec.min - 1]);
      if (typeof spec.max === 'number') out.push([`above max ${spec.max}`, spec.max + 1]);
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

const checks: Record<StreamingCheckName, (ctx: Context) => Promise<void>> = {
  async contract({ plugin, frame }) {
    const problems = checkFactorizerShape(plugin);
    if (problems.length) fail(problems.join('; '));
    if (plugin.estimateWorkingBytes) {
      const bytes = plugin.estimateWorkingBytes(frame, {});
      if (!(Number.isFinite(bytes) && bytes >= 0))
        fail(`estimateWorkingBytes returned ${bytes}; return a finite number of bytes`);
    }
  },

  async 'rejects-bad-options'(ctx) {
    const attempts: [string, string, unknown][] = [['__unknownOption', 'an unknown key', 1]];
    for (const [key, spec] of Object.entries(ctx.plugin.options as Record<string, OptionSpec>)) {
      for (const [label, value] of badValues(key, spec)) attempts.push([key, label, value]);
    }
    for (const [key, label, value] of attempts) {
      let accepted = false;
      try {
        const separation = ctx.plugin.open(ctx.frame, { ...ctx.base, [key]: value });
        await separation.push(ctx.frames[0]!);
        accepted = true;
      } catch (error) {
        const message = String((error as Error)?.message ?? error);
        if (!message.includes(key) && !message.includes(toKebabCase(key)))
          fail(`option "${key}" set to ${label} was refused, but the message does not name it: "${message}"`);
      }
      if (accepted)
        fail(
          `option "${key}" set to ${label} (${JSON.stringify(value)}) was accepted silently; validate in open()`,
        );
    }
  },

  async 'does-not-mutate-input'(ctx) {
    const before = ctx.frames.map((f) => Float64Array.from(f));
    await runStream(ctx);
    ctx.frames.forEach((f, i) => {
      for (let k = 0; k < f.length; k++)
        if (!Object.is(f[k], before[i]![k])) fail(`push() wrote into input frame ${i} (value ${k})`);
    });
  },

  async 'honours-abort'(ctx) {
    const controller = new AbortController();
    controller.abort(new Error('conformance check'));
    try {
      await runStream(ctx, 4, {}, { signal: controller.signal });
      fail(
        'a separation with an already-aborted signal ran; call throwIfAborted(signal) in open() and push()',
      );
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      if (!isAbortError(error))
        fail(
          `an already-aborted signal gave ${(error as Error)?.name}: ${(error as Error)?.message}, not an AbortError`,
        );
    }
    const live = new AbortController();
    let abortedAt = 0;
    const stopAfter = Math.min(5, ctx.frames.length - 1);
    try {
      await runStream(ctx, ctx.frames.length, {}, { signal: live.signal }, (index) => {
        if (index === stopAfter) {
          abortedAt = performance.now();
          live.abort(new Error('conformance check'));
        }
      });
      fail(`the separation went on after its signal was aborted at frame ${stopAfter}`);
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      if (!isAbortError(error)) throw error;
      const late = performance.now() - abortedAt;
      const limit = ctx.settings.abortWithinMs ?? 2000;
      if (late > limit) fail(`stopped ${late.toFixed(0)} ms after the abort (limit ${limit} ms)`);
    }
  },

  async 'seeded-runs-repeat'(ctx) {
    const seeded = Object.hasOwn(ctx.plugin.options, 'seed') ? { seed: 7 } : {};
    const a = await runStream(ctx, ctx.frames.length, seeded);
    const b = await runStream(ctx, ctx.frames.length, seeded);
    for (let f = 0; f < a.frames.length; f++) {
      const x = a.frames[f]!;
      const y = b.frames[f];
      if (!y || x.lowRank.some((v, k) => !Object.is(v, y.lowRank[k])))
        fail(`two runs${'seed' in seeded ? ' with seed 7' : ''} gave different backgrounds at frame ${f}`);
    }
  },

  async 'frames-out-equal-frames-in'(ctx) {
    const { frames } = await runStream(ctx);
    if (frames.length !== ctx.frames.length)
      fail(`${ctx.frames.length} frames went in and ${frames.length} came out (push + finish)`);
    const tolerance = ctx.settings.reconstructionTolerance ?? 1e-6;
    frames.forEach((f, i) => {
      if (f.index !== i)
        fail(`output ${i} is labelled frame ${f.index}; frames come out in order, each once`);
      const input = ctx.frames[i]!;
      if (f.lowRank.length !== input.length || f.sparse.length !== input.length)
        fail(
          `frame ${i}: lowRank/sparse have ${f.lowRank.length}/${f.sparse.length} values, the frame ${input.length}`,
        );
      let err = 0;
      let norm = 0;
      for (let k = 0; k < input.length; k++) {
        err += (input[k]! - f.lowRank[k]! - f.sparse[k]!) ** 2;
        norm += input[k]! ** 2;
      }
      if (Math.sqrt(err / Math.max(norm, 1e-300)) > tolerance)
        fail(
          `frame ${i}: lowRank + sparse differs from the frame by ${Math.sqrt(err / norm).toExponential(2)}`,
        );
    });
  },

  async 'state-stays-bounded'(ctx) {
    const short = ctx.frames.length;
    const sizes: number[] = [];
    await runStream(ctx, 4 * short, {}, undefined, (index, separation) => {
      if (index === short - 1 || index === 4 * short - 1) sizes.push(separation.diagnostics().stateBytes);
    });
    const [after, later] = sizes as [number, number];
    if (!(Number.isFinite(after) && after > 0))
      fail(`diagnostics().stateBytes is ${after}; report the bytes held`);
    if (later > after * 1.1 + 4096)
      fail(
        `state grew from ${after} bytes after ${short} frames to ${later} after ${4 * short}; it must not grow with the frame count`,
      );
    const estimate = ctx.plugin.estimateWorkingBytes?.(ctx.frame, ctx.base);
    if (estimate !== undefined && estimate < later)
      fail(`estimateWorkingBytes says ${estimate} bytes but the state holds ${later}`);
  },

  async 'refuses-wrong-frame-size'(ctx) {
    const separation = ctx.plugin.open(ctx.frame, ctx.base);
    const bad = 3;
    for (let i = 0; i < bad; i++) await separation.push(ctx.frames[i]!);
    const wrong = new Float64Array(ctx.frames[0]!.length + 1);
    try {
      await separation.push(wrong);
    } catch (error) {
      if (!(error instanceof InvalidInputError) && !isLowrankError(error))
        fail(`a frame of the wrong size threw ${(error as Error)?.name}, not an InvalidInputError`);
      if (!String((error as Error).message).includes(`frame ${bad}`))
        fail(`the wrong-size error does not name the frame ("frame ${bad}"): "${(error as Error).message}"`);
      return;
    }
    fail(`frame ${bad} with ${wrong.length} values (expected ${ctx.frames[0]!.length}) was accepted`);
  },

  async 'noise-level-is-sound'(ctx) {
    const separation = ctx.plugin.open(ctx.frame, ctx.base);
    if (separation.noiseLevel === undefined) return; // optional
    const length = ctx.frames[0]!.length;
    const look = (when: string) => {
      const level = separation.noiseLevel!();
      if (level?.length !== length)
        fail(`noiseLevel() ${when} has ${level?.length} values; a frame has ${length}`);
      for (let k = 0; k < length; k++) {
        const v = level[k]!;
        if (!(Number.isFinite(v) && v >= 0))
          fail(`noiseLevel() ${when} has value ${v} at ${k}; noise levels are finite and >= 0`);
      }
    };
    for (const frame of ctx.frames) await separation.push(frame);
    look(`after ${ctx.frames.length} frames`);
    await separation.finish();
    look('after finish()');
  },
};

export interface StreamingConformanceReport {
  readonly plugin: string;
  readonly passed: boolean;
  readonly results: readonly {
    readonly name: StreamingCheckName;
    readonly status: 'passed' | 'failed' | 'skipped';
    readonly message?: string;
  }[];
}

/** Runs every streaming check and reports each; never throws for a failing plugin. */
export async function checkStreamingFactorizer(
  plugin: AnyStreamingFactorizer,
  settings: StreamingConformanceOptions = {},
): Promise<StreamingConformanceReport> {
  const video = settings.frames ? undefined : conformanceVideo();
  const ctx: Context = {
    plugin,
    frame: settings.frame ?? video!.frame,
    frames: settings.frames ?? video!.frames,
    base: { ...(settings.options ?? {}) },
    settings,
  };
  const results: StreamingConformanceReport['results'][number][] = [];
  for (const name of streamingConformanceCheckNames) {
    if (settings.skip?.includes(name)) {
      results.push({ name, status: 'skipped' });
      continue;
    }
    try {
      await checks[name](ctx);
      results.push({ name, status: 'passed' });
    } catch (error) {
      results.push({
        name,
        status: 'failed',
        message:
          error instanceof CheckFailure
            ? error.message
            : `threw ${(error as Error)?.name}: ${(error as Error)?.message}`,
      });
    }
  }
  const name = plugin?.meta?.name ?? '(unnamed)';
  return { plugin: name, passed: results.every((r) => r.status !== 'failed'), results };
}

/** Throws one Error listing every failed streaming check. Use it inside a test. */
export async function assertStreamingConformance(
  plugin: AnyStreamingFactorizer,
  settings: StreamingConformanceOptions = {},
): Promise<StreamingConformanceReport> {
  const report = await checkStreamingFactorizer(plugin, settings);
  if (!report.passed) {
    const lines = report.results
      .filter((r) => r.status === 'failed')
      .map((r) => `  - ${r.name}: ${r.message}`);
    throw new Error(
      `Streaming plugin "${report.plugin}" fails the Lowrank conformance kit:\n${lines.join('\n')}`,
    );
  }
  return report;
}
