/** The compression webview: original vs rank-k reconstruction, slider, metrics, spectrum, save. */

import { planarPsnr } from '../src/shared/live-psnr.js';
import type {
  CompressionResultInfo,
  HostToWebview,
  ImageInfo,
  MethodInfo,
  OptionValues,
} from '../src/shared/protocol.js';
import { energyCurve, energyOfChannels } from '../src/shared/spectrum.js';
import {
  drawChart,
  drawPlanes,
  errorBox,
  formatInteger,
  formatNumber,
  h,
  loadState,
  onHostMessage,
  optionsDetails,
  optionsForm,
  pluginProblems,
  saveState,
  send,
  themeColor,
} from './common.js';
import { clampPlanes, IncrementalReconstruction } from './reconstruction.js';
import { button, checkbox, dropdown, progressRing, setDisabled } from './toolkit.js';

type View = 'side-by-side' | 'difference';

const saved = loadState();
const state = {
  source: saved.source ?? '',
  method: saved.method ?? '',
  rank: saved.rank ?? 0,
  colour: saved.colour ?? true,
  view: (saved.view as View | undefined) ?? 'side-by-side',
  options: (saved.options ?? {}) as OptionValues,
};

let methods: MethodInfo[] = [];
let image: ImageInfo | undefined;
let result: CompressionResultInfo | undefined;
let incremental: IncrementalReconstruction | undefined;
let energies: Float64Array[] = [];
let combinedEnergy: Float64Array = new Float64Array(0);
/** Reconstruction pixels received from the host (methods without factors), by rank. */
let hostPixels: { rank: number; pixels: Float32Array } | undefined;
let qualityTimer: ReturnType<typeof setTimeout> | undefined;
let readOptions: () => OptionValues = () => ({});

const app = document.getElementById('app')!;
const status = h('div', { class: 'status', id: 'status' });
const errors = h('div', { class: 'errors' });
/** Plugin notes and load failures: kept while the panel lives (runs clear `errors`, not these). */
const pluginBox = h('div', { class: 'errors', id: 'plugins' });
const controls = h('div', { class: 'toolbar' });
const optionsHost = h('div', { class: 'options-host' });
const slider = h('input', {
  type: 'range',
  id: 'rank',
  min: '1',
  max: '1',
  value: '1',
  'aria-label': 'Rank',
});
const rankLabel = h('output', { id: 'rank-value', for: 'rank' }, '—');
const stats = h('dl', { class: 'stats', id: 'stats' });
const originalCanvas = h('canvas', { id: 'original', 'aria-label': 'Original image' });
const reconstructionCanvas = h('canvas', { id: 'reconstruction', 'aria-label': 'Reconstruction' });
const reconstructionCaption = h('figcaption', {}, 'Reconstruction');
const spectrumCanvas = h('canvas', {
  id: 'spectrum',
  class: 'chart',
  'aria-label': 'Singular value spectrum',
});
const spectrumNote = h('p', { class: 'note' });
const busyRing = progressRing();
busyRing.hidden = true;

function stat(id: string, label: string): HTMLElement {
  const value = h('dd', { id }, '—');
  stats.append(h('dt', {}, label), value);
  return value;
}
const ratioOut = stat('ratio', 'Compression ratio');
const storedOut = stat('stored', 'Numbers stored');
const psnrOut = stat('psnr', 'PSNR');
const ssimOut = stat('ssim', 'SSIM');
const energyOut = stat('energy', 'Energy kept');
const timeOut = stat('time', 'Factorized in');

const cancelButton = button('Cancel', () => send({ type: 'cancel' }), { id: 'cancel', secondary: true });
cancelButton.hidden = true;
const saveButton = button('Save reconstruction as PNG', () => send({ type: 'save', rank: currentRank() }), {
  id: 'save',
});
setDisabled(saveButton, true);

function persist(): void {
  saveState({
    panel: 'compression',
    source: state.source,
    method: state.method,
    rank: state.rank,
    colour: state.colour,
    view: state.view,
    options: state.options,
  });
}

function currentRank(): number {
  return Number(slider.value);
}

function lowRankMethods(): MethodInfo[] {
  return methods.filter((m) => m.kind === 'low-rank');
}

function fullRankGuess(): number {
  return image ? Math.min(image.width, image.height) : Number.POSITIVE_INFINITY;
}

function renderControls(): void {
  const choices = lowRankMethods().map((m) => ({
    value: m.name,
    label: m.custom ? `${m.displayName} (plugin)` : m.displayName,
    title: m.description,
  }));
  const picker = dropdown(
    choices,
    state.method,
    (value) => {
      state.method = value;
      state.options = {};
      renderOptions();
      persist();
      compute();
    },
    'method',
  );
  const colourBox = checkbox(
    'Colour',
    state.colour,
    (checked) => {
      state.colour = checked;
      persist();
      compute();
    },
    'colour',
  );
  const viewPicker = dropdown(
    [
      { value: 'side-by-side', label: 'Side by side' },
      { value: 'difference', label: 'Difference' },
    ],
    state.view,
    (value) => {
      state.view = value as View;
      persist();
      redraw();
    },
    'view',
  );
  controls.replaceChildren(
    h('label', { class: 'field' }, h('span', {}, 'Method'), picker),
    colourBox,
    h('label', { class: 'field' }, h('span', {}, 'View'), viewPicker),
    button('Recompute', () => compute(), {
      id: 'recompute',
      secondary: true,
      title: 'Factorize again with these options',
    }),
    cancelButton,
    busyRing,
  );
  renderOptions();
}

function renderOptions(): void {
  const method = lowRankMethods().find((m) => m.name === state.method);
  if (!method) {
    optionsHost.replaceChildren();
    return;
  }
  // The method's own defaults, as `lowrank compress` uses them (svd: every triplet; others: their rank).
  const initial: OptionValues = { ...state.options };
  const form = optionsForm(
    method,
    initial,
    (max) =>
      max === 'min-dimension' ? (Number.isFinite(fullRankGuess()) ? fullRankGuess() : undefined) : max,
    () => {
      state.options = form.read();
      persist();
    },
  );
  readOptions = form.read;
  optionsHost.replaceChildren(optionsDetails(method, form.element));
}

function compute(): void {
  if (!state.method) return;
  errors.replaceChildren();
  const options = { ...readOptions() };
  // A rank left at the previous image's full rank would be refused for a smaller one: let the plugin clamp.
  if (typeof options.rank === 'number' && options.rank > fullRankGuess()) delete options.rank;
  send({ type: 'compress', method: state.method, options, colour: state.colour });
}

function setBusy(busy: boolean, stage?: string): void {
  busyRing.hidden = !busy;
  cancelButton.hidden = !busy;
  status.textContent = busy ? (stage ?? 'Working…') : status.textContent;
}

function onImage(info: ImageInfo): void {
  image = info;
  const n = info.width * info.height;
  const planes = Array.from({ length: info.channels }, (_, c) => info.original.subarray(c * n, (c + 1) * n));
  drawPlanes(originalCanvas, info.width, info.height, planes);
}

function onCompressed(info: CompressionResultInfo): void {
  result = info;
  hostPixels = undefined;
  planesCache = undefined;
  energies = info.singularValues ? info.singularValues.map((s) => energyCurve(s)) : [];
  // All channels together: the share of the image's squared norm the rank-k approximation keeps.
  combinedEnergy = info.singularValues
    ? energyOfChannels(info.singularValues, info.squaredNorm)
    : new Float64Array(0);
  incremental =
    info.factors && image
      ? new IncrementalReconstruction(info.factors, image.height, image.width)
      : undefined;
  slider.max = String(info.maxRank);
  const start = state.rank >= 1 ? Math.min(state.rank, info.maxRank) : Math.min(info.rank, info.maxRank);
  slider.value = String(start);
  slider.disabled = false;
  setDisabled(saveButton, false);
  timeOut.textContent = `${formatNumber(info.milliseconds / 1000, 2)} s`;
  status.textContent = `${info.method}: ranks 1–${info.maxRank} of ${info.fullRank} ready.${info.factors ? '' : ' (This method exposes no factors: each rank is rebuilt by the host.)'}`;
  onRank();
}

function storedFor(rank: number): number {
  return result ? (result.storedNumbers[rank - 1] ?? Number.NaN) : Number.NaN;
}

/** Runs on every slider input: cheap updates now, quality numbers shortly after the slider rests. */
function onRank(): void {
  if (!result || !image) return;
  const rank = currentRank();
  state.rank = rank;
  rankLabel.textContent = `k = ${rank}`;
  const original = image.width * image.height * image.channels;
  const stored = storedFor(rank);
  ratioOut.textContent = `${formatNumber(original / stored, 2)} : 1`;
  storedOut.textContent = `${formatInteger(stored)} of ${formatInteger(original)} (${formatNumber((100 * stored) / original, 1)}%)`;
  if (energies.length > 0) {
    energyOut.textContent = `${formatNumber(100 * (combinedEnergy[rank - 1] ?? 1), 2)}%`;
  } else {
    energyOut.textContent = '—';
  }
  ssimOut.textContent = '…';
  const planes = reconstructionPlanes();
  // With factors the webview has the exact picture shown: its PSNR is live; SSIM comes from the worker.
  psnrOut.textContent =
    incremental && planes ? `${formatNumber(planarPsnr(image.original, planes), 2)} dB` : '…';
  redraw();
  drawSpectrum();
  clearTimeout(qualityTimer);
  qualityTimer = setTimeout(() => send({ type: 'quality', rank }), 120);
  if (!incremental && hostPixels?.rank !== rank) send({ type: 'reconstruct', rank });
  persist();
}

/** The clamped rank-k planes for the current rank (cached: the slider handler and redraw share them). */
let planesCache: { rank: number; planes: Float32Array[] } | undefined;

function reconstructionPlanes(): Float32Array[] | undefined {
  if (!image) return undefined;
  const n = image.width * image.height;
  if (incremental) {
    const rank = currentRank();
    if (planesCache?.rank !== rank) planesCache = { rank, planes: clampPlanes(incremental.setRank(rank)) };
    return planesCache.planes;
  }
  if (hostPixels)
    return Array.from({ length: image.channels }, (_, c) => hostPixels!.pixels.subarray(c * n, (c + 1) * n));
  return undefined;
}

function redraw(): void {
  if (!image) return;
  const planes = reconstructionPlanes();
  if (!planes) return;
  const n = image.width * image.height;
  if (state.view === 'difference') {
    // |original - reconstruction| x 4, so small errors are visible.
    const diff = planes.map((p, c) => {
      const out = new Float32Array(n);
      for (let k = 0; k < n; k++) out[k] = Math.min(1, 4 * Math.abs(image!.original[c * n + k]! - p[k]!));
      return out;
    });
    reconstructionCaption.textContent = `|Difference| × 4 at rank ${currentRank()}`;
    drawPlanes(reconstructionCanvas, image.width, image.height, diff);
  } else {
    reconstructionCaption.textContent = `Reconstruction at rank ${currentRank()}`;
    drawPlanes(reconstructionCanvas, image.width, image.height, planes);
  }
}

function drawSpectrum(): void {
  if (!result?.singularValues) {
    spectrumNote.textContent = 'This method reports no singular values, so there is no spectrum to draw.';
    return;
  }
  const s = result.singularValues[0]!;
  spectrumNote.textContent = result.singularValues.length > 1 ? 'Spectrum of the first (red) channel.' : '';
  drawChart(
    spectrumCanvas,
    [
      {
        values: s,
        color: themeColor('--vscode-charts-blue', '#3794ff'),
        label: 'singular values (log)',
        log: true,
      },
      {
        values: energies[0]!,
        color: themeColor('--vscode-charts-green', '#388a34'),
        label: 'energy kept',
        unit: true,
      },
    ],
    currentRank(),
    `rank 1 … ${s.length}`,
  );
}

// A drag fires many input events per frame: draw only the latest rank, once per animation frame.
let frameRequested = false;
slider.addEventListener('input', () => {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    onRank();
  });
});

onHostMessage((message: HostToWebview) => {
  switch (message.type) {
    case 'init': {
      methods = [...message.methods];
      state.source = message.source;
      if (message.rememberedRank !== undefined) state.rank = message.rememberedRank;
      const names = lowRankMethods().map((m) => m.name);
      if (!names.includes(state.method)) state.method = names.includes('svd') ? 'svd' : (names[0] ?? '');
      document.title = message.fileName;
      renderControls();
      pluginBox.replaceChildren(...pluginProblems(message.pluginNote, message.pluginErrors));
      persist();
      if (!message.hasResults) {
        if (!state.method) errors.append(errorBox('No low-rank method is registered.'));
        else compute();
      }
      break;
    }
    case 'busy':
      setBusy(message.busy, message.stage);
      break;
    case 'progress': {
      const p = message.progress;
      status.textContent = `${p.stage}${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}${p.message ? ` — ${p.message}` : ''}`;
      break;
    }
    case 'image':
      onImage(message.image);
      break;
    case 'compressed':
      onCompressed(message.result);
      break;
    case 'reconstruction':
      if (message.rank === currentRank()) {
        hostPixels = { rank: message.rank, pixels: message.pixels };
        redraw();
      }
      break;
    case 'quality':
      if (message.quality.rank === currentRank()) {
        if (!incremental) psnrOut.textContent = `${formatNumber(message.quality.psnr, 2)} dB`;
        ssimOut.textContent = formatNumber(message.quality.ssim, 4);
      }
      break;
    case 'saved':
      status.textContent = `Saved ${message.file}`;
      break;
    case 'cancelled':
      setBusy(false);
      if (!message.resultsKept && result) {
        // The worker that held the factors is gone: the picture stays, but ranks and saving need a new run.
        result = undefined;
        slider.disabled = true;
        setDisabled(saveButton, true);
        status.textContent = 'Cancelled. Press Recompute to factorize again.';
      } else {
        status.textContent = 'Cancelled.';
      }
      break;
    case 'error':
      setBusy(false);
      errors.replaceChildren(errorBox(message.error.message));
      status.textContent = '';
      break;
    default:
      break;
  }
});

app.replaceChildren(
  h('header', {}, controls, optionsHost),
  pluginBox,
  errors,
  status,
  h('section', { class: 'slider-row' }, h('label', { for: 'rank' }, 'Rank'), slider, rankLabel, saveButton),
  h(
    'section',
    { class: 'images' },
    h('figure', { id: 'pane-original' }, originalCanvas, h('figcaption', {}, 'Original')),
    h('figure', { id: 'pane-reconstruction' }, reconstructionCanvas, reconstructionCaption),
  ),
  stats,
  h('section', { class: 'spectrum' }, h('h3', {}, 'Singular value spectrum'), spectrumCanvas, spectrumNote),
);
slider.disabled = true;
send({ type: 'ready' });
