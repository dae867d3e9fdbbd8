#!/usr/bin/env node
// Every mask figure of the rpca README: F-measure, precision and recall (CDnet convention) of the
// default mask rules on the CDnet folders, for batch rpca and svd-background (rank 2) S, from gray
// and colour frames, with each step taken out (or, for steps that are off by default, put in), and
// the rule that came before (a per-frame threshold only).
//
//   npx -y pnpm@12.4.2 build
//   node packages/algorithms-rpca/bench/mask-ablation.mjs [--videos cdnet-fall,cdnet-traffic]
//     [--sources rpca:gray,rpca:rgb,svd-background:gray,svd-background:rgb] [--cache DIR] [--json]
//
// S is computed once per video, method and mode with the project's own code and cached as Float32
// files in --cache (default $TMPDIR/lowrank-mask-cache): the first run takes minutes (robust PCA of
// cdnet-fall), later ones only the masks. The data come from LOWRANK_SHARED_DIR/data, else
// ../shared/data beside the repository. 'rgb' means colour frames: svd-background factorizes the
// three channels (colour S); rpca factorizes their luminance (gray S, like `lowrank separate
// --color`) and the colour frames go to the steps that use the input.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateMasks, foregroundMasks, maskRuleDefaults } from '../dist/index.js';
import { loadFrames, loadGroundTruth, loadSparse } from './sparse-cache.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const videos = flag('videos', 'cdnet-fall,cdnet-traffic').split(',');
const sources = flag('sources', 'rpca:gray,rpca:rgb,svd-background:gray,svd-background:rgb').split(',');
const cache = flag('cache', join(tmpdir(), 'lowrank-mask-cache'));
const json = args.includes('--json');

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
  ['without the learning pass', { learningPass: false }],
  ['without hysteresis', { hysteresisLow: 1 }],
  ['hysteresis across signs', { hysteresisSameSign: false }],
  ['without hole filling', { maxHoleArea: 0 }],
  ['without temporal consistency', { previousFactor: 1, flickerGain: 0 }],
  maskRuleDefaults.flickerGain > 0
    ? ['without flicker suppression', { flickerGain: 0 }]
    : ['with flicker suppression (gain 1)', { flickerGain: 1 }],
  ['without opening and blob removal', { openingRadius: 0, minBlobArea: 0 }],
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
    const s = await loadSparse(video, method, mode, cache);
    const frames = await loadFrames(video, mode, cache);
    const sparse = asVideo(s, Float64Array.from(s.data));
    const input = asVideo(frames, Float64Array.from(frames.data));
    const list = mode === 'rgb' ? [...variants, ...colourVariants] : variants;
    for (const [name, options] of list) {
      const started = performance.now();
      const masks = foregroundMasks(sparse, { ...options, input });
      const seconds = (performance.now() - started) / 1000;
      const e = evaluateMasks(masks, truth);
      const sLabel = `${method}${method === 'svd-background' ? ' (rank 2)' : ''}, ${s.channels === 3 ? 'colour' : 'gray'}`;
      const inputLabel = mode === 'rgb' ? 'colour' : 'gray';
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ video, method, input: inputLabel, sparseChannels: s.channels, variant: name, options, fMeasure: e.fMeasure, precision: e.precision, recall: e.recall, tp: e.tp, fp: e.fp, fn: e.fn, seconds })}\n`,
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
