/** The separation webview: run options, then original / background / foreground panes with a scrubber. */
import type {
  HostToWebview,
  LiveFrameInfo,
  MethodInfo,
  OptionValues,
  SeparationResultInfo,
  VideoProbeInfo,
} from '../src/shared/protocol.js';
import {
  drawChart,
  drawGray,
  errorBox,
  formatInteger,
  formatNumber,
  h,
  loadState,
  onHostMessage,
  onThemeChange,
  optionsDetails,
  optionsForm,
  pluginProblems,
  saveState,
  send,
  themeColor,
} from './common.js';
import { button, checkbox, dropdown, progressRing, setDisabled, textField } from './toolkit.js';

/** The method value that lets the pipeline choose: batch robust PCA when it fits the budget, else a stream. */
const AUTOMATIC = 'auto';

const saved = loadState();
const state = {
  source: saved.source ?? '',
  method: saved.method ?? '',
  options: (saved.options ?? {}) as OptionValues,
  scale: saved.scale ?? 0,
  startFrame: saved.startFrame ?? 0,
  frameCount: saved.frameCount ?? 0,
  view: saved.view === 'mask' ? 'mask' : 'foreground',
  colour: saved.colour ?? false,
};

let methods: MethodInfo[] = [];
let probe: VideoProbeInfo | undefined;
let result: SeparationResultInfo | undefined;
let readOptions: () => OptionValues = () => ({});
let playing: ReturnType<typeof setInterval> | undefined;

const app = document.getElementById('app')!;
const errors = h('div', { class: 'errors' });
/** Plugin notes and load failures: kept while the panel lives (runs clear `errors`, not these). */
const pluginBox = h('div', { class: 'errors', id: 'plugins' });
const status = h('div', { class: 'status', id: 'status' });
/** How the run goes another way than asked (a video too big for batch rpca streams), while it runs and after. */
const runNote = h('div', { class: 'note', id: 'run-note' });
const probeLine = h('p', { class: 'note', id: 'probe' }, 'Reading the video header…');
const form = h('div', { class: 'toolbar', id: 'run-form' });
const optionsHost = h('div', { class: 'options-host' });
const busyRing = progressRing();
busyRing.hidden = true;
const progressLine = h('div', { class: 'status', id: 'progress' });
const runButton = button('Run separation', () => run(), { id: 'run' });
const cancelButton = button('Cancel', () => send({ type: 'cancel' }), { id: 'cancel', secondary: true });
cancelButton.hidden = true;
const exportButton = button('Export', () => send({ type: 'export' }), {
  id: 'export',
  title: 'Write background, foreground and mask videos plus mask frames into a new folder beside the source',
});
const results = h('section', { class: 'results', id: 'results' });
results.hidden = true;

const canvases = {
  original: h('canvas', { id: 'frame-original', 'aria-label': 'Original frame' }),
  background: h('canvas', { id: 'frame-background', 'aria-label': 'Background frame' }),
  foreground: h('canvas', { id: 'frame-foreground', 'aria-label': 'Foreground frame' }),
};
const foregroundCaption = h('figcaption', {}, 'Foreground |S|');
const scrubber = h('input', {
  type: 'range',
  id: 'frame',
  min: '1',
  max: '1',
  value: '1',
  'aria-label': 'Frame',
});
const frameLabel = h('output', { id: 'frame-value', for: 'frame' }, '');
const playButton = button('Play', () => togglePlay(), { id: 'play', secondary: true });
const matrixCanvas = h('canvas', { id: 'matrix-picture', 'aria-label': 'Video matrix, pixels by frames' });
const convergenceCanvas = h('canvas', { id: 'convergence', class: 'chart', 'aria-label': 'Convergence' });
const summary = h('p', { class: 'note', id: 'summary' });
const scrubberRow = h('div', { class: 'slider-row' });
const charts = h('div', { class: 'charts', id: 'charts' });
const convergenceFigure = h(
  'figure',
  { class: 'convergence', id: 'convergence-figure' },
  convergenceCanvas,
  h('figcaption', {}, 'Convergence'),
);
onThemeChange(() => {
  if (result) drawConvergence(result);
});

function persist(): void {
  saveState({
    panel: 'separation',
    source: state.source,
    method: state.method,
    options: state.options,
    scale: state.scale,
    startFrame: state.startFrame,
    frameCount: state.frameCount,
    view: state.view,
    colour: state.colour,
  });
}

/** Methods that separate (low-rank + sparse, streaming), then low-rank ones (S = M - L), as `lowrank separate` takes them. */
function sparseMethods(): MethodInfo[] {
  return [
    ...methods.filter((m) => m.kind === 'low-rank-plus-sparse'),
    ...methods.filter((m) => m.kind === 'streaming'),
    ...methods.filter((m) => m.kind === 'low-rank'),
  ];
}

/** The method picker's values: Automatic, then each separating method. */
function methodNames(): string[] {
  return [AUTOMATIC, ...sparseMethods().map((m) => m.name)];
}

function renderForm(): void {
  const picker = dropdown(
    [
      {
        value: AUTOMATIC,
        label: 'Automatic',
        title:
          'Robust PCA when it fits lowrank.memoryBudgetMB; else streaming robust PCA, frame by frame in bounded memory',
      },
      ...sparseMethods().map((m) => ({
        value: m.name,
        label: m.custom ? `${m.displayName} (plugin)` : m.displayName,
        title: m.description,
      })),
    ],
    state.method,
    (value) => {
      state.method = value;
      state.options = {};
      renderOptions();
      persist();
    },
    'method',
  );
  const numberField = (label: string, id: string, value: number, set: (v: number) => void, title: string) =>
    textField(
      label,
      String(value),
      (text) => {
        const v = Number(text);
        if (Number.isFinite(v)) {
          set(v);
          persist();
          describeProbe();
        }
      },
      { id, size: 6, title },
    );
  form.replaceChildren(
    h('label', { class: 'field' }, h('span', {}, 'Method'), picker),
    numberField(
      'Scale',
      'scale',
      state.scale,
      (v) => (state.scale = v),
      'Frames are resized by this factor (0.05 to 1)',
    ),
    numberField(
      'First frame',
      'start-frame',
      state.startFrame + 1,
      (v) => (state.startFrame = Math.max(0, Math.round(v) - 1)),
      'First frame to read (1-based)',
    ),
    numberField(
      'Frames',
      'frame-count',
      state.frameCount,
      (v) => (state.frameCount = Math.max(2, Math.round(v))),
      'How many frames to read',
    ),
    checkbox(
      'Colour',
      state.colour,
      (checked) => {
        state.colour = checked;
        persist();
        describeProbe();
      },
      'colour',
    ),
    runButton,
    cancelButton,
    busyRing,
  );
  renderOptions();
}

function renderOptions(): void {
  const method = sparseMethods().find((m) => m.name === state.method);
  if (!method) {
    // Automatic: the method is chosen at run time, with its default options.
    optionsHost.replaceChildren();
    readOptions = () => ({});
    return;
  }
  const built = optionsForm(
    method,
    state.options,
    (max) => (max === 'min-dimension' ? undefined : max),
    () => {
      state.options = built.read();
      persist();
    },
  );
  readOptions = built.read;
  optionsHost.replaceChildren(optionsDetails(method, built.element));
}

function describeProbe(): void {
  if (!probe) return;
  const w = Math.max(1, Math.round(probe.width * state.scale));
  const hgt = Math.max(1, Math.round(probe.height * state.scale));
  const frames = Math.max(0, Math.min(state.frameCount, probe.frames - state.startFrame));
  probeLine.textContent = `${probe.fileName}: ${probe.frames} frames of ${probe.width} × ${probe.height}${probe.fps ? ` at ${formatNumber(probe.fps, 2)} fps` : ''}. The run reads ${frames} frames at ${w} × ${hgt}: a ${formatInteger(w * hgt)} × ${frames} matrix.`;
}

function run(): void {
  if (!state.method) return;
  errors.replaceChildren();
  runNote.textContent = '';
  stop();
  send({
    type: 'separate',
    method: state.method,
    options: readOptions(),
    colour: state.colour,
    scale: Math.min(1, Math.max(0.05, state.scale)),
    startFrame: state.startFrame,
    frameCount: Math.max(2, state.frameCount),
  });
}

function setBusy(busy: boolean, stage?: string): void {
  busyRing.hidden = !busy;
  cancelButton.hidden = !busy;
  setDisabled(runButton, busy);
  setDisabled(exportButton, busy || !result);
  if (busy) progressLine.textContent = stage ?? 'Working…';
}

function showFrame(): void {
  if (!result) return;
  const f = Number(scrubber.value) - 1;
  const size = result.width * result.height;
  const c = result.channels;
  drawGray(canvases.original, result.width, result.height, result.original, f * size * c, c);
  drawGray(canvases.background, result.width, result.height, result.background, f * size * c, c);
  if (state.view === 'mask')
    drawGray(canvases.foreground, result.width, result.height, result.mask, f * size);
  else drawGray(canvases.foreground, result.width, result.height, result.foreground, f * size * c, c);
  foregroundCaption.textContent = state.view === 'mask' ? 'Foreground mask' : 'Foreground |S|';
  frameLabel.textContent = `frame ${f + 1} / ${result.frames}`;
}

/** A streaming separation's latest frame, drawn while the run goes on: the background emerging. */
function showLiveFrame(frame: LiveFrameInfo): void {
  if (results.hidden || !charts.hidden) {
    // Until the run ends there is nothing to scrub, summarize or chart: only the latest frame.
    stop();
    result = undefined;
    results.hidden = false;
    playButton.hidden = true;
    scrubber.hidden = true;
    charts.hidden = true;
    summary.textContent = '';
  }
  const c = frame.channels;
  drawGray(canvases.original, frame.width, frame.height, frame.original, 0, c);
  drawGray(canvases.background, frame.width, frame.height, frame.background, 0, c);
  if (state.view === 'mask' && frame.mask)
    drawGray(canvases.foreground, frame.width, frame.height, frame.mask);
  else drawGray(canvases.foreground, frame.width, frame.height, frame.foreground, 0, c);
  frameLabel.textContent = `live: frame ${frame.index + 1}`;
}

function stop(): void {
  if (playing) clearInterval(playing);
  playing = undefined;
  playButton.textContent = 'Play';
}

function togglePlay(): void {
  if (!result) return;
  if (playing) {
    stop();
    return;
  }
  playButton.textContent = 'Pause';
  const interval = 1000 / Math.min(30, Math.max(1, result.fps));
  playing = setInterval(() => {
    const next = (Number(scrubber.value) % result!.frames) + 1;
    scrubber.value = String(next);
    showFrame();
  }, interval);
}

/**
 * A method that reports no residual per iteration (svd-background, a plain SVD) is direct: it has
 * no convergence to show, so its summary says so and the chart is hidden.
 */
function isDirect(info: SeparationResultInfo): boolean {
  return info.history.length === 0;
}

function drawConvergence(info: SeparationResultInfo): void {
  convergenceFigure.hidden = isDirect(info);
  if (isDirect(info)) return;
  drawChart(
    convergenceCanvas,
    [
      {
        values: info.history,
        color: themeColor('--vscode-charts-blue', '#3794ff'),
        label: 'relative residual (log)',
        log: true,
      },
    ],
    undefined,
    'iteration',
  );
}

function describeRun(info: SeparationResultInfo): string {
  const seconds = `${formatNumber(info.milliseconds / 1000, 2)} s`;
  if (info.streaming) {
    const rate = `${formatNumber(info.streaming.framesPerSecond, 0)} frames/s`;
    return info.streaming.stoppedEarly
      ? `${info.method}: rank ${info.rank}, streamed frame by frame; stopped early, keeping the ${info.frames} frames done (${rate}, ${seconds}).`
      : `${info.method}: rank ${info.rank}, streamed frame by frame: ${info.frames} frames at ${rate}, ${seconds}.`;
  }
  return isDirect(info)
    ? `${info.method}: rank ${info.rank}, a direct method (computed in one pass, nothing to converge), ${seconds}.`
    : `${info.method}: rank ${info.rank}, ${info.iterations} iteration(s), ${info.converged ? 'converged' : 'not converged'}, residual ${info.residual.toExponential(2)}, ${seconds}.`;
}

function onSeparated(info: SeparationResultInfo, restored = false): void {
  result = info;
  for (const warning of info.warnings ?? []) errors.append(h('div', { class: 'note warning' }, warning));
  runNote.textContent = (info.notes ?? []).join(' ');
  results.hidden = false;
  playButton.hidden = false;
  scrubber.hidden = false;
  charts.hidden = false;
  scrubber.max = String(info.frames);
  scrubber.value = '1';
  setDisabled(exportButton, restored);
  showFrame();
  const picture = info.matrixPicture;
  drawGray(matrixCanvas, picture.width, picture.height, picture.pixels);
  summary.textContent = describeRun(info);
  drawConvergence(info);
  status.textContent = restored
    ? 'Restored from before the window reload; press Run to compute again (and to export).'
    : info.streaming?.stoppedEarly
      ? `Stopped: the ${info.frames} frames separated before Cancel are kept; Export writes them.`
      : '';
  progressLine.textContent = '';
}

scrubber.addEventListener('input', () => {
  stop();
  showFrame();
});

onHostMessage((message: HostToWebview) => {
  switch (message.type) {
    case 'init': {
      methods = [...message.methods];
      state.source = message.source;
      const names = methodNames();
      if (!names.includes(state.method)) {
        state.method = names.includes(message.settings.defaultVideoMethod)
          ? message.settings.defaultVideoMethod
          : AUTOMATIC;
      }
      if (!(state.scale > 0)) state.scale = message.settings.videoScale;
      if (!(state.frameCount >= 2)) state.frameCount = message.settings.maxFrames;
      renderForm();
      pluginBox.replaceChildren(...pluginProblems(message.pluginNote, message.pluginErrors));
      if (sparseMethods().length === 0)
        errors.append(errorBox('No low-rank-plus-sparse method is registered.'));
      persist();
      break;
    }
    case 'probe':
      probe = message.probe;
      // The Frames field never offers more frames than the source has after the first frame read.
      if (state.frameCount > probe.frames - state.startFrame) {
        state.frameCount = Math.max(2, probe.frames - state.startFrame);
        renderForm();
        persist();
      }
      describeProbe();
      break;
    case 'busy':
      // A new run or export: what the last one said is no longer the state.
      if (message.busy) status.textContent = '';
      setBusy(message.busy, message.stage);
      break;
    case 'progress': {
      const p = message.progress;
      const parts = [p.stage];
      if (p.iteration !== undefined)
        parts.push(`iteration ${p.iteration}${p.maxIterations ? ` / ${p.maxIterations}` : ''}`);
      if (p.residual !== undefined) parts.push(`residual ${p.residual.toExponential(2)}`);
      if (p.message) parts.push(p.message);
      progressLine.textContent = parts.join(' · ');
      if (p.note) runNote.textContent = p.note;
      if (p.frame) showLiveFrame(p.frame);
      break;
    }
    case 'separated':
      onSeparated(message.result, message.restored === true);
      break;
    case 'exported':
      progressLine.textContent = '';
      status.textContent = `Exported to ${message.folder}`;
      break;
    case 'cancelled':
      setBusy(false);
      if (!message.resultsKept) {
        stop();
        result = undefined;
        results.hidden = true;
        setDisabled(exportButton, true);
      }
      progressLine.textContent = message.resultsKept
        ? result
          ? 'Export cancelled; nothing was written.'
          : 'Stopping: the frames separated so far are kept.'
        : 'Cancelled.';
      break;
    case 'lowerScale':
      state.scale = message.scale;
      renderForm();
      describeProbe();
      persist();
      run();
      break;
    case 'error':
      setBusy(false);
      progressLine.textContent = '';
      errors.replaceChildren(errorBox(message.error.message));
      break;
    default:
      break;
  }
});

const maskToggle = checkbox(
  'Show mask',
  state.view === 'mask',
  (checked) => {
    state.view = checked ? 'mask' : 'foreground';
    persist();
    showFrame();
  },
  'show-mask',
);

results.append(
  h(
    'div',
    { class: 'panes' },
    h('figure', { id: 'pane-original' }, canvases.original, h('figcaption', {}, 'Original')),
    h('figure', { id: 'pane-background' }, canvases.background, h('figcaption', {}, 'Background L')),
    h('figure', { id: 'pane-foreground' }, canvases.foreground, foregroundCaption),
  ),
  scrubberRow,
  summary,
  charts,
);
scrubberRow.append(playButton, scrubber, frameLabel, maskToggle, exportButton);
charts.append(
  h('figure', { class: 'matrix' }, matrixCanvas, h('figcaption', {}, 'Video matrix M (pixels × frames)')),
  convergenceFigure,
);
setDisabled(exportButton, true);
app.replaceChildren(
  h('header', {}, probeLine, form, optionsHost),
  pluginBox,
  errors,
  progressLine,
  status,
  runNote,
  results,
);
send({ type: 'ready' });
