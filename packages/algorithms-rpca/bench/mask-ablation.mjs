#!/usr/bin/env node
// Every mask figure of the rpca README: F-measure, precision and recall (CDnet convention) of the
// default mask rules on the CDnet folders, for batch rpca, svd-background (rank 2) and
// streaming-rpca, from gray and colour frames, with each step taken out (or, for steps that are off
// by default, put in), and the rule that came before (a per-frame threshold only).
//
//   npx -y pnpm@12.4.2 build
//   node packages/algorithms-rpca/bench/mask-ablation.mjs [--videos cdnet-fall,cdnet-traffic]
//     [--sources rpca:gray,rpca:rgb,svd-background:gray,svd-background:rgb,streaming-rpca:gray,streaming-rpca:rgb]
//     [--variants defaults,...] [--sweep] [--cache DIR] [--json]
//
// S is computed once per video, method and mode with the project's own code and cached as Float32
// files in --cache (default $TMPDIR/lowrank-mask-cache): the first run takes minutes (robust PCA of
// cdnet-fall), later ones only the masks. The data come from LOWRANK_SHARED_DIR/data, else
// ../shared/data beside the repository. 'rgb' means colour frames: svd-background and
// streaming-rpca separate the three channels (colour S); rpca factorizes their luminance (gray S)
// and the colour frames go to the steps that use the input.
//
// --sweep adds variants that move one default a step (the candidates the defaults were chosen
// against). Every run ends with each variant's mean and worst F over the videos and sources it ran
// on: the defaults are the ones with the best mean and worst together.
//
// Batch S (rpca, svd-background) goes through foregroundMasks (a learning pass, then the masks);
// streaming-rpca's frames go through one ForegroundMaskModel as StreamingForegroundMasks feeds it
// (each frame's deviation from the separator's background, the separator's noise levels raised
// into the model's before each frame; no learning pass), replayed from the cache.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateMasks, ForegroundMaskModel, foregroundMasks, maskRuleDefaults } from '../dist/index.js';
import { loadFrames, loadGroundTruth, loadSparse, loadStreamingSplit } from './sparse-cache.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const videos = flag('videos', 'cdnet-fall,cdnet-traffic').split(',');
const sources = flag(
  'sources',
  'rpca:gray,rpca:rgb,svd-background:gray,svd-background:rgb,streaming-rpca:gray,streaming-rpca:rgb',
).split(',');
const only = flag('variants', '').split(',').filter(Boolean);
const cache = flag('cache', join(tmpdir(), 'lowrank-mask-cache'));
const json = args.includes('--json');
const sweep = args.includes('--sweep');

/** The rule before the mask model: |S| against the frame's threshold, opening, small blobs removed. */
const previousRule = {
  noiseMultiplier: 0,
  hysteresisLow: 1,
  maxHoleArea: 0,
  previousFactor: 1,
  flickerGain: 0,
  shadows: 'off',
  learningPass: false,
};

/** Each step out (or in, for steps that are off by default), everything else at its default. */
const variants = [
  ['previous rule (per-frame threshold, opening, blobs)', previousRule],
  ['defaults', {}],
  ['without per-pixel noise', { noiseMultiplier: 0 }],
  ['without the learning pass', { learningPass: false }, 'batch'],
  ['without hysteresis', { hysteresisLow: 1 }],
  ['hysteresis across signs', { hysteresisSameSign: false }],
  ['without hole filling', { maxHoleArea: 0 }],
  ['without temporal consistency', { previousFactor: 1, flickerGain: 0 }],
  maskRuleDefaults.flickerGain > 0
    ? ['without flicker suppression', { flickerGain: 0 }]
    : ['with flicker suppression (gain 1)', { flickerGain: 1 }],
  ['without opening and blob removal', { openingRadius: 0, minBlobArea: 0 }],
  // How the streaming masks are fed (streaming-rpca only).
  ['S instead of the deviation from the background', { feed: 'sparse' }, 'streaming'],
  ["without the separator's noise levels", { feed: 'deviation-only' }, 'streaming'],
  ['a new model per frame on S (the pipeline before)', { feed: 'sparse', perFrame: true }, 'streaming'],
];
/** One default moved a step (--sweep). */
const sweepVariants = [
  ['noiseMultiplier 3.5', { noiseMultiplier: 3.5 }],
  ['noiseQuantile 0.95', { noiseQuantile: 0.95 }],
  ['previousFactor 0.7', { previousFactor: 0.7 }],
  ['hysteresisLow 0.8', { hysteresisLow: 0.8 }],
  ['minThreshold 0.07', { minThreshold: 0.07 }],
  ['multiplier 4', { multiplier: 4 }],
];
/** Steps that need colour input. */
const colourVariants = [
  maskRuleDefaults.shadows === 'off'
    ? ['with shadow suppression', { shadows: 'on' }]
    : ['without shadow suppression', { shadows: 'off' }],
  maskRuleDefaults.colorMagnitude === 'max'
    ? ['colour |S| as rms over channels', { colorMagnitude: 'rms' }]
    : ['colour |S| as largest channel', { colorMagnitude: 'max' }],
];

/** streaming-rpca's masks as StreamingForegroundMasks makes them, replayed from the cached split. */
function streamingMasks(split, input, options) {
  const { feed = 'deviation', perFrame = false, learningPass: _, ...rules } = options;
  const { width, height, channels, frames } = split;
  const pixels = width * height;
  const values = pixels * channels;
  const shape = {
    width,
    height,
    sparseChannels: channels,
    ...(rules.shadows && rules.shadows !== 'off' ? { inputChannels: channels } : {}),
  };
  let model = new ForegroundMaskModel(shape, rules);
  const data = new Uint8Array(frames * pixels);
  const source = feed === 'sparse' ? split.sparse : split.deviation;
  for (let f = 0; f < frames; f++) {
    if (perFrame) model = new ForegroundMaskModel(shape, rules);
    if (feed === 'deviation') model.raiseNoiseLevels(split.noise.subarray(f * values, (f + 1) * values));
    model.push(
      source.subarray(f * values, (f + 1) * values),
      shape.inputChannels ? input.data.subarray(f * values, (f + 1) * values) : undefined,
      data.subarray(f * pixels, (f + 1) * pixels),
    );
  }
  return { frames, width, height, data };
}

function asVideo(x, data) {
  const pixels = x.width * x.height;
  return {
    rows: x.frames,
    cols: data.length / x.frames,
    data,
    layout: 'frames-by-pixels',
    width: x.width,
    height: x.height,
    channels: data.length / x.frames / pixels,
  };
}

const fixed = (v) => v.toFixed(3);
/** F-measures per variant, over every video and source it ran on. */
const scores = {};
if (!json) {
  process.stdout.write(
    '| video | S | input | masks | F | precision | recall |\n|---|---|---|---|---|---|---|\n',
  );
}
for (const video of videos) {
  const gray = await loadFrames(video, 'gray', cache);
  const truth = await loadGroundTruth(video, gray.names, cache);
  for (const source of sources) {
    const [method, mode] = source.split(':');
    const streaming = method === 'streaming-rpca';
    const s = streaming
      ? await loadStreamingSplit(video, mode, cache)
      : await loadSparse(video, method, mode, cache);
    const frames = await loadFrames(video, mode, cache);
    const sparse = streaming ? undefined : asVideo(s, Float64Array.from(s.data));
    const input = asVideo(frames, Float64Array.from(frames.data));
    const list = [
      ...variants,
      ...(sweep ? sweepVariants : []),
      ...(mode === 'rgb' ? colourVariants : []),
    ].filter(
      ([name, , kind]) =>
        (only.length === 0 || only.includes(name)) && (!kind || kind === (streaming ? 'streaming' : 'batch')),
    );
    for (const [name, options] of list) {
      const started = performance.now();
      const masks = streaming
        ? streamingMasks(s, input, options)
        : foregroundMasks(sparse, { ...options, input });
      const seconds = (performance.now() - started) / 1000;
      const e = evaluateMasks(masks, truth);
      scores[name] = [...(scores[name] ?? []), e.fMeasure];
      const sLabel = `${method}${method === 'svd-background' ? ' (rank 2)' : ''}, ${s.channels === 3 ? 'colour' : 'gray'}`;
      const inputLabel = mode === 'rgb' ? 'colour' : 'gray';
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ video, method, input: inputLabel, sparseChannels: s.channels, variant: name, options, fMeasure: e.fMeasure, precision: e.precision, recall: e.recall, tp: e.tp, fp: e.fp, fn: e.fn, seconds, msPerFrame: (1000 * seconds) / s.frames })}\n`,
        );
      } else {
        const bold = name === 'defaults' ? (t) => `**${t}**` : (t) => t;
        process.stdout.write(
          `| ${video} | ${sLabel} | ${inputLabel} | ${name} | ${bold(fixed(e.fMeasure))} | ${fixed(e.precision)} | ${fixed(e.recall)} |\n`,
        );
      }
    }
  }
}
const summary = Object.entries(scores).map(([variant, fs]) => ({
  variant,
  runs: fs.length,
  meanF: fs.reduce((a, b) => a + b, 0) / fs.length,
  worstF: Math.min(...fs),
}));
if (json) for (const row of summary) process.stdout.write(`${JSON.stringify({ summary: true, ...row })}\n`);
else {
  process.stdout.write('\n| masks | runs | mean F | worst F |\n|---|---|---|---|\n');
  for (const row of summary)
    process.stdout.write(`| ${row.variant} | ${row.runs} | ${fixed(row.meanF)} | ${fixed(row.worstF)} |\n`);
}
