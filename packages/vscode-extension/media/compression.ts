/** The compression webview: original vs rank-k reconstruction, slider, metrics, spectrum, save. */

import { expandBlocks } from '../src/shared/preview-blocks.js';
import type {
  ChannelFactors,
  CompressionResultInfo,
  HostToWebview,
  ImageInfo,
  MethodInfo,
  OptionValues,
} from '../src/shared/protocol.js';
import { FactorAssembler } from '../src/shared/protocol.js';
import { energyCurve, energyOfChannels } from '../src/shared/spectrum.js';
import {
  type ChartGeometry,
  drawChart,
  drawPlanes,
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
import { decodeImage } from './decode-off-thread.js';
import { IncrementalReconstruction } from './reconstruction.js';
import { button, checkbox, dropdown, progressRing, setDisabled, textField } from './toolkit.js';
import {
  clampView,
  fittedView,
  oneToOne,
  panBy,
  pixelAlignedRegion,
  type Region,
  renderSize,
  resampleFactors,
  type Size,
  type View,
  visibleRegion,
  zoomAt,
} from './viewport.js';

/** The method value that lets the pipeline choose by size (exact SVD, or a partial one for a big image). */
const AUTOMATIC = 'auto';
/** A render step's time budget: rebuilding a big view is spread over tasks this long. */
const SLICE_MS = 8;
/** Multiply-adds per reconstruction step: a few ms even before the JIT has compiled the loop. */
const MULTIPLY_ADDS_PER_STEP = 2 ** 18;

type Layout = 'side-by-side' | 'difference';

const saved = loadState();
const state = {
  source: saved.source ?? '',
  method: saved.method ?? '',
  rank: saved.rank ?? 0,
  rankCap: saved.rankCap ?? 0,
  colour: saved.colour ?? true,
  view: (saved.view as Layout | undefined) ?? 'side-by-side',
  options: (saved.options ?? {}) as OptionValues,
};

let methods: MethodInfo[] = [];
let settingsRankCap = 100;
let image: ImageInfo | undefined;
let original: ImageBitmap | undefined;
/** The original reduced to the fitted view's size, decoded and resized off the main thread (big images). */
let reducedOriginal: ImageBitmap | undefined;
/**
 * The original at 1/2, 1/4, ... of its size while larger than the fitted copy (big images), decoded
 * off the main thread: a zoom between Fit and 1:1 then downscales by at most 2, not from the full picture.
 */
let originalLevels: ImageBitmap[] = [];
let result: CompressionResultInfo | undefined;
/**
 * A run's first preview can come before its picture (it is computed from a quick reduced decode):
 * it waits for the picture, as no earlier picture's factors.
 */
let awaitingImage = false;
let pendingPreview: readonly ChannelFactors[] | undefined;

/** The factors the panes draw from: the first preview's, then the result's. */
let factors: readonly ChannelFactors[] | undefined;
let energies: Float64Array[] = [];
let combinedEnergy: Float64Array = new Float64Array(0);
/** A result's factors as they arrive, one channel a message, ahead of the result. */
let arrivingFactors: ChannelFactors[] = [];
const factorParts = new FactorAssembler();
/** Reconstruction pixels received from the host (methods without factors), by rank. */
let hostPixels: { rank: number; pixels: Float32Array } | undefined;
let qualityTimer: ReturnType<typeof setTimeout> | undefined;
let readOptions: () => OptionValues = () => ({});
let view: View = { zoom: 1, cx: 0, cy: 0 };
let chart: ChartGeometry | undefined;

const app = document.getElementById('app')!;
const status = h('div', { class: 'status', id: 'status' });
const partialNote = h('div', { class: 'note', id: 'partial-note' });
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
const originalCanvas = h('canvas', { id: 'original', class: 'pane', 'aria-label': 'Original image' });
const reconstructionCanvas = h('canvas', {
  id: 'reconstruction',
  class: 'pane',
  'aria-label': 'Reconstruction',
});
const reconstructionCaption = h('figcaption', {}, 'Reconstruction');
const zoomLabel = h('output', { id: 'zoom-value' }, 'fit');
const spectrumCanvas = h('canvas', {
  id: 'spectrum',
  class: 'chart',
  'aria-label': 'Singular value spectrum: click to set the rank',
});
const spectrumReadout = h('div', { class: 'note', id: 'spectrum-readout' }, ' ');
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
  title: 'Writes the full-resolution rank-k image beside the source',
});
setDisabled(saveButton, true);
let capField: HTMLElement & { value?: string } = textField('Ranks computed', '', () => undefined, {
  id: 'rank-cap',
});
const capBox = h('span', { class: 'field', id: 'cap-box' });
capBox.hidden = true;

function persist(): void {
  saveState({
    panel: 'compression',
    source: state.source,
    method: state.method,
    rank: state.rank,
    ...(state.rankCap ? { rankCap: state.rankCap } : {}),
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
  const choices = [
    {
      value: AUTOMATIC,
      label: 'Automatic',
      title: 'Exact SVD; above 1 megapixel only the leading triplets (randomized SVD)',
    },
    ...lowRankMethods().map((m) => ({
      value: m.name,
      label: m.custom ? `${m.displayName} (plugin)` : m.displayName,
      title: m.description,
    })),
  ];
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
      state.view = value as Layout;
      persist();
      requestRender();
    },
    'view',
  );
  capField = textField('Ranks computed', String(state.rankCap || settingsRankCap), () => undefined, {
    id: 'rank-cap',
    size: 6,
    title: 'How many leading triplets a big image computes: the slider reaches this far',
  });
  capBox.replaceChildren(
    capField,
    button(
      'Compute',
      () => {
        const value = Number(capField.value);
        if (!(Number.isInteger(value) && value >= 1)) {
          errors.replaceChildren(errorBox(`Ranks computed: "${capField.value}" is not a whole number >= 1.`));
          return;
        }
        state.rankCap = value;
        persist();
        compute();
      },
      { id: 'raise-cap', secondary: true, title: 'Factorize again up to this many ranks' },
    ),
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
    capBox,
    cancelButton,
    busyRing,
  );
  renderOptions();
}

function renderOptions(): void {
  const method = lowRankMethods().find((m) => m.name === state.method);
  if (!method) {
    optionsHost.replaceChildren();
    readOptions = () => ({});
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
  awaitingImage = true;
  pendingPreview = undefined;
  send({
    type: 'compress',
    method: state.method,
    options,
    colour: state.colour,
    ...(state.rankCap ? { rankCap: state.rankCap } : {}),
  });
}

function setBusy(busy: boolean, stage?: string): void {
  busyRing.hidden = !busy;
  cancelButton.hidden = !busy;
  status.textContent = busy ? (stage ?? 'Working…') : status.textContent;
}

// ---------------------------------------------------------------- panes: zoom, pan, rendering

/** Both panes' canvases sized to their boxes in device pixels (the picture's aspect, at most 70% of the window). */
function layoutPanes(): Size {
  const ratio = window.devicePixelRatio || 1;
  const aspect = image ? image.height / image.width : 0.75;
  const cssWidth = Math.max(64, Math.floor(originalCanvas.parentElement?.clientWidth || 320));
  const cssHeight = Math.max(
    48,
    Math.min(Math.round(cssWidth * aspect), Math.round(window.innerHeight * 0.7)),
  );
  const size = { width: Math.round(cssWidth * ratio), height: Math.round(cssHeight * ratio) };
  for (const canvas of [originalCanvas, reconstructionCanvas]) {
    if (canvas.width !== size.width) canvas.width = size.width;
    if (canvas.height !== size.height) canvas.height = size.height;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
  }
  return size;
}

function canvasSize(): Size {
  return { width: originalCanvas.width, height: originalCanvas.height };
}

const originalCrop = document.createElement('canvas');
/** What the original pane shows now (region and canvas size): drawn again only when that changes. */
let originalDrawn = '';
function drawOriginal(region: Region): void {
  const ctx = originalCanvas.getContext('2d');
  const full = original;
  const reduced = reducedOriginal;
  if (!ctx || !image || (!full && !reduced)) return;
  const key = [
    ...[region.x0, region.y0, region.x1, region.y1, region.dx, region.dy, region.dw, region.dh],
    ...[originalCanvas.width, originalCanvas.height, reduced?.width ?? 0, full ? 1 : 0],
  ].join();
  if (key === originalDrawn) return;
  originalDrawn = key;
  ctx.clearRect(0, 0, originalCanvas.width, originalCanvas.height);
  const w = region.x1 - region.x0;
  const h = region.y1 - region.y0;
  if (region.dw < w || !full) {
    // Reduced: the browser's filtered downscale of the visible part, from the smallest copy that has
    // the pixels needed (a 12-megapixel draw takes tens of milliseconds), or has to do (the full
    // picture is still being decoded: the fitted copy, enlarged, until it is).
    const { width } = image;
    const sources = [reduced, ...originalLevels, full].filter((b): b is ImageBitmap => b !== undefined);
    const source =
      sources.find((b) => (b.width / width) * w >= region.dw - 0.5) ?? sources[sources.length - 1]!;
    const f = source.width / width;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(
      source,
      region.x0 * f,
      region.y0 * f,
      w * f,
      h * f,
      region.dx,
      region.dy,
      region.dw,
      region.dh,
    );
    return;
  }
  // Magnified (a pixel-aligned region): copy its pixels, then scale them exactly as the reconstruction is.
  originalCrop.width = w;
  originalCrop.height = h;
  originalCrop.getContext('2d')!.drawImage(full, region.x0, region.y0, w, h, 0, 0, w, h);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(originalCrop, region.dx, region.dy, region.dw, region.dh);
}

/** The reconstruction of the current view: factors resampled to it and a renderer at its size. */
let render:
  | {
      key: string;
      region: Region;
      size: Size;
      incremental: IncrementalReconstruction;
      /** The original at the render size (for the difference view), made on demand. */
      originalBytes?: Uint8ClampedArray;
    }
  | undefined;
let renderRunning = false;
let renderWanted = false;
let inputAt = 0;

/** The region shown, as the panes expose it (both panes show the same one). */
function regionText(region: Region): string {
  return [region.x0, region.y0, region.x1, region.y1].map((v) => v.toFixed(1)).join(' ');
}

function viewKey(region: Region, size: Size): string {
  return [region.x0, region.y0, region.x1, region.y1, size.width, size.height]
    .map((v) => v.toFixed(3))
    .join();
}

/** Draws what is wanted now: the original at once, the reconstruction in short slices, latest request wins. */
function requestRender(): void {
  renderWanted = true;
  if (!image) return;
  const canvas = layoutPanes();
  view = clampView(view, canvas, image);
  // Whole source pixels when magnified: both panes then place each image pixel identically.
  const region = pixelAlignedRegion(visibleRegion(view, canvas, image));
  drawOriginal(region);
  originalCanvas.dataset.region = regionText(region);
  const scale = region.dw / (region.x1 - region.x0);
  zoomLabel.textContent = view.zoom === 1 ? 'fit' : `${Math.round(scale * 100)}%`;
  if (!renderRunning) void runRender();
}

async function runRender(): Promise<void> {
  renderRunning = true;
  try {
    // Not in the task that asked (a message or an input event): that one ends at once.
    await nextTask();
    while (renderWanted && image) {
      renderWanted = false;
      let painted = false;
      const canvas = canvasSize();
      const region = pixelAlignedRegion(visibleRegion(view, canvas, image));
      if (factors) {
        const size = renderSize(region);
        const key = viewKey(region, size) + factors.length + factors[0]!.rank;
        const slice = new TimeSlice();
        if (render?.key !== key) {
          // A channel at a time: a 12-megapixel photo's factors take a while to resample.
          const resampled: ChannelFactors[] = [];
          const from = factors;
          for (const channel of from) {
            resampled.push(...resampleFactors([channel], region, size));
            await slice.yieldIfDue();
          }
          if (factors !== from) {
            // Other factors came meanwhile (a result after its preview, another picture): start over.
            renderWanted = true;
            continue;
          }
          render = {
            key,
            region,
            size,
            incremental: new IncrementalReconstruction(resampled, size.height, size.width),
          };
        }
        // Same pixels, perhaps placed elsewhere (a sub-pixel pan): draw where the view says now.
        render.region = region;
        const current = render;
        const rank = Math.min(currentRank(), current.incremental.maxRank);
        const steps = current.incremental.stepsTo(rank, MULTIPLY_ADDS_PER_STEP);
        let step = steps.next();
        for (; !step.done; step = steps.next()) await slice.yieldIfDue();
        await paintReconstruction(current, step.value, slice);
        painted = true;
      } else if (hostPixels && hostPixels.rank === currentRank()) {
        const n = image.width * image.height;
        const planes = Array.from({ length: image.channels }, (_, c) =>
          hostPixels!.pixels.subarray(c * n, (c + 1) * n),
        );
        paintHostPixels(planes, region);
        painted = true;
      }
      if (!painted) continue;
      // What the pane shows now (tests and timing read it): set only once something is drawn.
      reconstructionCanvas.dataset.rank = String(currentRank());
      if (inputAt) {
        reconstructionCanvas.dataset.latencyMs = (performance.now() - inputAt).toFixed(1);
        inputAt = 0;
      }
      await nextTask();
    }
  } finally {
    renderRunning = false;
  }
}

/** Yields to the event loop (a message to itself: no 4 ms timer clamping). One channel, kept alive. */
const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

/** Work spread over tasks of about SLICE_MS: yields to the event loop when the current slice is used up. */
class TimeSlice {
  #start = performance.now();

  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.#start <= SLICE_MS) return;
    await nextTask();
    this.#start = performance.now();
  }
}

function originalAtRenderSize(current: NonNullable<typeof render>): Uint8ClampedArray {
  if (current.originalBytes) return current.originalBytes;
  const { size, region } = current;
  const scratch = document.createElement('canvas');
  scratch.width = size.width;
  scratch.height = size.height;
  const ctx = scratch.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  // The fitted copy stands in while the full picture is decoded (its bytes are then made again).
  const source = original ?? reducedOriginal;
  if (source && image) {
    const f = source.width / image.width;
    ctx.drawImage(
      source,
      region.x0 * f,
      region.y0 * f,
      (region.x1 - region.x0) * f,
      (region.y1 - region.y0) * f,
      0,
      0,
      size.width,
      size.height,
    );
  }
  const bytes = ctx.getImageData(0, 0, size.width, size.height).data;
  if (source === original) current.originalBytes = bytes;
  return bytes;
}

/** Rows per paint step: a fitted view's pane paints in a handful of steps. */
const PAINT_ROWS = 64;

async function paintReconstruction(
  current: NonNullable<typeof render>,
  planes: readonly Float64Array[],
  slice: TimeSlice,
): Promise<void> {
  const { size, region } = current;
  const pixels = new ImageData(size.width, size.height);
  const [r, g = r, b = r] = planes as [Float64Array, Float64Array?, Float64Array?];
  // |original - reconstruction| x 4 at the resolution shown, so small errors are visible.
  const original = state.view === 'difference' ? originalAtRenderSize(current) : undefined;
  for (let row = 0; row < size.height; row += PAINT_ROWS) {
    await slice.yieldIfDue();
    const from = row * size.width;
    const to = Math.min(size.height, row + PAINT_ROWS) * size.width;
    if (original) paintDifference(pixels.data, original, r, g, b, from, to);
    else paintPixels(pixels.data, r, g, b, from, to);
  }
  blit(pixels, region);
  reconstructionCanvas.dataset.region = regionText(region);
  reconstructionCaption.textContent =
    state.view === 'difference'
      ? `|Difference| × 4 at rank ${currentRank()}`
      : `Reconstruction at rank ${currentRank()}`;
}

/** Pixels from..to-1 of the clamped picture that is saved (Uint8ClampedArray clamps to [0, 255]). */
function paintPixels(
  out: Uint8ClampedArray,
  r: Float64Array,
  g: Float64Array,
  b: Float64Array,
  from: number,
  to: number,
): void {
  for (let p = from; p < to; p++) {
    out[4 * p] = r[p]! * 255;
    out[4 * p + 1] = g[p]! * 255;
    out[4 * p + 2] = b[p]! * 255;
    out[4 * p + 3] = 255;
  }
}

function paintDifference(
  out: Uint8ClampedArray,
  original: Uint8ClampedArray,
  r: Float64Array,
  g: Float64Array,
  b: Float64Array,
  from: number,
  to: number,
): void {
  for (let p = from; p < to; p++) {
    out[4 * p] = 4 * Math.abs(original[4 * p]! - r[p]! * 255);
    out[4 * p + 1] = 4 * Math.abs(original[4 * p + 1]! - g[p]! * 255);
    out[4 * p + 2] = 4 * Math.abs(original[4 * p + 2]! - b[p]! * 255);
    out[4 * p + 3] = 255;
  }
}

function paintHostPixels(planes: Float32Array[], region: Region): void {
  if (!image) return;
  const scratch = document.createElement('canvas');
  drawPlanes(scratch, image.width, image.height, planes);
  const ctx = reconstructionCanvas.getContext('2d')!;
  ctx.clearRect(0, 0, reconstructionCanvas.width, reconstructionCanvas.height);
  ctx.imageSmoothingEnabled = region.dw < region.x1 - region.x0;
  ctx.drawImage(
    scratch,
    region.x0,
    region.y0,
    region.x1 - region.x0,
    region.y1 - region.y0,
    region.dx,
    region.dy,
    region.dw,
    region.dh,
  );
  reconstructionCaption.textContent = `Reconstruction at rank ${currentRank()}`;
}

const blitCanvas = document.createElement('canvas');
function blit(pixels: ImageData, region: Region): void {
  blitCanvas.width = pixels.width;
  blitCanvas.height = pixels.height;
  blitCanvas.getContext('2d')!.putImageData(pixels, 0, 0);
  const ctx = reconstructionCanvas.getContext('2d')!;
  ctx.clearRect(0, 0, reconstructionCanvas.width, reconstructionCanvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(blitCanvas, region.dx, region.dy, region.dw, region.dh);
}

function setView(next: View): void {
  if (!image) return;
  view = clampView(next, canvasSize(), image);
  requestRender();
}

/** Wheel zooms at the pointer, a drag pans; both panes show the same region. */
function attachZoomPan(canvas: HTMLCanvasElement): void {
  const toCanvas = (event: MouseEvent) => {
    const box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * canvas.width,
      y: ((event.clientY - box.top) / box.height) * canvas.height,
    };
  };
  canvas.addEventListener(
    'wheel',
    (event) => {
      if (!image) return;
      event.preventDefault();
      const p = toCanvas(event);
      setView(zoomAt(view, canvasSize(), image, event.deltaY < 0 ? 1.25 : 0.8, p.x, p.y));
    },
    { passive: false },
  );
  let dragging: { x: number; y: number } | undefined;
  canvas.addEventListener('pointerdown', (event) => {
    dragging = toCanvas(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!dragging || !image) return;
    const p = toCanvas(event);
    setView(panBy(view, canvasSize(), image, p.x - dragging.x, p.y - dragging.y));
    dragging = p;
  });
  const stop = () => {
    dragging = undefined;
  };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
}
attachZoomPan(originalCanvas);
attachZoomPan(reconstructionCanvas);

const zoomBar = h(
  'div',
  { class: 'toolbar zoom-bar' },
  button('Fit', () => image && setView(fittedView(image)), { id: 'zoom-fit', secondary: true }),
  button('1:1', () => image && setView(oneToOne(view, canvasSize(), image)), {
    id: 'zoom-1to1',
    secondary: true,
    title: 'One image pixel per screen pixel',
  }),
  button(
    '+',
    () =>
      image && setView(zoomAt(view, canvasSize(), image, 2, canvasSize().width / 2, canvasSize().height / 2)),
    {
      id: 'zoom-in',
      secondary: true,
    },
  ),
  button(
    '−',
    () =>
      image &&
      setView(zoomAt(view, canvasSize(), image, 0.5, canvasSize().width / 2, canvasSize().height / 2)),
    {
      id: 'zoom-out',
      secondary: true,
    },
  ),
  zoomLabel,
);

// ---------------------------------------------------------------- messages

/** Fills originalLevels for the full picture of `info`, halving while larger than the fitted copy. */
async function decodeLevels(info: ImageInfo): Promise<void> {
  if (!info.encoded || !reducedOriginal) return;
  const blob = new Blob([info.encoded.bytes as Uint8Array<ArrayBuffer>], { type: info.encoded.type });
  const levels: ImageBitmap[] = [];
  for (let f = 2; info.width / f > reducedOriginal.width; f *= 2) {
    const level = await decodeImage(blob, {
      resizeWidth: Math.max(1, Math.round(info.width / f)),
      resizeHeight: Math.max(1, Math.round(info.height / f)),
      resizeQuality: 'high',
    });
    if (image !== info) {
      level.close();
      for (const l of levels) l.close();
      return;
    }
    levels.unshift(level);
  }
  originalLevels = levels;
  originalDrawn = '';
}

async function onImage(info: ImageInfo): Promise<void> {
  // The full-size picture after its quick copy: the same picture, so the view, the preview and
  // the reconstruction stay; only the bitmap for zoomed views is new.
  const upgrade =
    image?.encoded?.reduced === true &&
    info.encoded !== undefined &&
    !info.encoded.reduced &&
    image.fileName === info.fileName &&
    image.width === info.width &&
    image.height === info.height;
  if (upgrade) {
    image = info;
    awaitingImage = false;
    const full = await decodeImage(
      new Blob([info.encoded!.bytes as Uint8Array<ArrayBuffer>], { type: info.encoded!.type }),
    );
    if (image !== info) {
      full.close();
      return;
    }
    original?.close();
    original = full;
    originalDrawn = '';
    if (render) render.originalBytes = undefined;
    requestRender();
    void decodeLevels(info);
    return;
  }
  image = info;
  factors = undefined;
  render = undefined;
  awaitingImage = false;
  const early = pendingPreview;
  pendingPreview = undefined;
  if (early) onPreview(early);
  view = fittedView(info);
  layoutPanes();
  original?.close();
  original = undefined;
  reducedOriginal?.close();
  reducedOriginal = undefined;
  for (const level of originalLevels) level.close();
  originalLevels = [];
  originalDrawn = '';
  // An encoded picture (big images) is decoded off the main thread; raw RGBA (small ones) is wrapped as it is.
  const encoded = info.encoded
    ? new Blob([info.encoded.bytes as Uint8Array<ArrayBuffer>], { type: info.encoded.type })
    : undefined;
  if (encoded) {
    // Both decoded off the main thread, one after the other: first a copy at the fitted size (the
    // Fit view then draws without downscaling 12 megapixels), shown at once, then the full picture
    // for zoomed views, which the copy stands in for until it is ready.
    const canvas = canvasSize();
    const fit = Math.min(1, canvas.width / info.width, canvas.height / info.height);
    const reduced = await decodeImage(encoded, {
      resizeWidth: Math.max(1, Math.ceil(info.width * fit)),
      resizeHeight: Math.max(1, Math.ceil(info.height * fit)),
      resizeQuality: 'high',
    });
    if (image !== info) {
      reduced.close();
      return;
    }
    reducedOriginal = reduced;
    originalCanvas.dataset.shown = 'true';
    requestRender();
    // A quick copy: the full-size picture comes in a message of its own.
    if (info.encoded?.reduced) return;
    const full = await decodeImage(encoded);
    if (image !== info) {
      full.close();
      return;
    }
    original = full;
    originalDrawn = '';
    void decodeLevels(info);
  } else {
    original = await createImageBitmap(
      new ImageData(info.rgba as Uint8ClampedArray<ArrayBuffer>, info.width, info.height),
    );
  }
  originalCanvas.dataset.shown = 'true';
  requestRender();
}

function onPreview(preview: readonly ChannelFactors[]): void {
  if (!image || awaitingImage) {
    pendingPreview = preview;
    return;
  }
  const { width, height } = image;
  factors = preview.map((f) => expandBlocks(f, height, width));
  const rank = Math.min(...preview.map((f) => f.rank));
  slider.max = String(rank);
  slider.value = String(rank);
  rankLabel.textContent = `k = ${rank}`;
  reconstructionCanvas.dataset.preview = 'true';
  status.textContent = `First preview from the ${rank} leading triplets; factorizing the rest…`;
  requestRender();
}

function onCompressed(info: CompressionResultInfo): void {
  awaitingImage = false;
  pendingPreview = undefined;
  result = info;
  hostPixels = undefined;
  factors = info.factors;
  delete reconstructionCanvas.dataset.preview;
  energies = info.singularValues ? info.singularValues.map((s) => energyCurve(s)) : [];
  // All channels together: the share of the image's squared norm the rank-k approximation keeps.
  combinedEnergy = info.singularValues
    ? energyOfChannels(info.singularValues, info.squaredNorm)
    : new Float64Array(0);
  slider.max = String(info.maxRank);
  const start = state.rank >= 1 ? Math.min(state.rank, info.maxRank) : Math.min(info.rank, info.maxRank);
  slider.value = String(start);
  slider.disabled = false;
  setDisabled(saveButton, false);
  timeOut.textContent = `${formatNumber(info.milliseconds / 1000, 2)} s`;
  partialNote.textContent = info.partialNote ?? '';
  capBox.hidden = !info.partialNote;
  if (info.partialNote) capField.value = String(info.maxRank);
  status.textContent = `${info.method}: ranks 1–${info.maxRank} of ${info.fullRank} ready.${info.factors ? '' : ' (This method exposes no factors: each rank is rebuilt by the host.)'}`;
  onRank();
}

function storedFor(rank: number): number {
  return result ? (result.storedNumbers[rank - 1] ?? Number.NaN) : Number.NaN;
}

/** PSNR of the unclamped rank-k image from the spectrum alone (Eckart-Young): shown until the exact figure comes. */
function spectralPsnr(rank: number): number | undefined {
  if (!result?.singularValues || !image) return undefined;
  let head = 0;
  for (const s of result.singularValues)
    for (let i = 0; i < Math.min(rank, s.length); i++) head += s[i]! ** 2;
  const mse = Math.max(0, result.squaredNorm - head) / (image.width * image.height * image.channels);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
}

/** Runs on every slider input: cheap updates now, quality numbers shortly after the slider rests. */
function onRank(): void {
  if (!result || !image) return;
  const rank = currentRank();
  state.rank = rank;
  rankLabel.textContent = `k = ${rank}`;
  const originalNumbers = image.width * image.height * image.channels;
  const stored = storedFor(rank);
  ratioOut.textContent = `${formatNumber(originalNumbers / stored, 2)} : 1`;
  storedOut.textContent = `${formatInteger(stored)} of ${formatInteger(originalNumbers)} (${formatNumber((100 * stored) / originalNumbers, 1)}%)`;
  energyOut.textContent =
    energies.length > 0 ? `${formatNumber(100 * (combinedEnergy[rank - 1] ?? 1), 2)}%` : '—';
  ssimOut.textContent = '…';
  const estimate = spectralPsnr(rank);
  psnrOut.textContent = estimate === undefined ? '…' : `≈ ${formatNumber(estimate, 2)} dB`;
  requestRender();
  drawSpectrum();
  clearTimeout(qualityTimer);
  qualityTimer = setTimeout(() => send({ type: 'quality', rank }), 120);
  if (!factors && hostPixels?.rank !== rank) send({ type: 'reconstruct', rank });
  persist();
}

function drawSpectrum(): void {
  if (!result?.singularValues) {
    spectrumNote.textContent = 'This method reports no singular values, so there is no spectrum to draw.';
    return;
  }
  const s = result.singularValues[0]!;
  spectrumNote.textContent = `${result.singularValues.length > 1 ? 'Spectrum of the first (red) channel; energy over all channels. ' : ''}Hover for values, click to set the rank.`;
  chart = drawChart(
    spectrumCanvas,
    [
      {
        values: s,
        color: themeColor('--vscode-charts-blue', '#3794ff'),
        label: 'singular values (log)',
        log: true,
      },
      {
        values: combinedEnergy,
        color: themeColor('--vscode-charts-green', '#388a34'),
        label: 'energy kept',
        unit: true,
      },
    ],
    currentRank(),
    'rank k',
  );
}

function rankUnder(event: MouseEvent): number | undefined {
  const box = spectrumCanvas.getBoundingClientRect();
  return chart?.valueAt(event.clientX - box.left);
}
spectrumCanvas.addEventListener('mousemove', (event) => {
  const k = rankUnder(event);
  if (k === undefined || !result?.singularValues) {
    spectrumReadout.textContent = ' ';
    return;
  }
  const sigma = result.singularValues[0]![k - 1]!;
  spectrumReadout.textContent = `k = ${k}: σ = ${formatNumber(sigma, 3)}, energy kept ${formatNumber(100 * (combinedEnergy[k - 1] ?? 1), 2)}%`;
});
spectrumCanvas.addEventListener('mouseleave', () => {
  spectrumReadout.textContent = ' ';
});
spectrumCanvas.addEventListener('click', (event) => {
  const k = rankUnder(event);
  if (k === undefined || !result) return;
  slider.value = String(Math.min(k, result.maxRank));
  inputAt = performance.now();
  onRank();
});

onThemeChange(() => {
  if (result) drawSpectrum();
});
new ResizeObserver(() => {
  if (image) requestRender();
  if (result) drawSpectrum();
}).observe(app);

// A drag fires many input events per frame: draw only the latest rank, once per animation frame.
let frameRequested = false;
slider.addEventListener('input', () => {
  if (!inputAt) inputAt = performance.now();
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
      settingsRankCap = message.settings.rankCap;
      state.source = message.source;
      if (message.rememberedRank !== undefined) state.rank = message.rememberedRank;
      const names = lowRankMethods().map((m) => m.name);
      if (state.method !== AUTOMATIC && !names.includes(state.method)) state.method = AUTOMATIC;
      document.title = message.fileName;
      renderControls();
      pluginBox.replaceChildren(...pluginProblems(message.pluginNote, message.pluginErrors));
      persist();
      if (!message.hasResults) compute();
      break;
    }
    case 'busy':
      setBusy(message.busy, message.stage);
      break;
    case 'progress': {
      const p = message.progress;
      if (reconstructionCanvas.dataset.preview && p.stage !== 'Factorizing') break;
      status.textContent = `${p.stage}${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}${p.message ? ` — ${p.message}` : ''}`;
      break;
    }
    case 'image':
      result = undefined;
      slider.disabled = true;
      void onImage(message.image);
      break;
    case 'preview':
      onPreview(message.factors);
      break;
    case 'channelFactors':
      arrivingFactors[message.channel] = factorParts.complete(message.channel, message.factors);
      break;
    case 'factorPart':
      factorParts.add(message);
      break;
    case 'compressed': {
      const channels = message.factorChannels ?? 0;
      const arrived = arrivingFactors.slice(0, channels);
      arrivingFactors = [];
      onCompressed(
        channels > 0 && arrived.length === channels && arrived.every(Boolean)
          ? { ...message.result, factors: arrived }
          : message.result,
      );
      break;
    }
    case 'reconstruction':
      if (message.rank === currentRank()) {
        hostPixels = { rank: message.rank, pixels: message.pixels };
        requestRender();
      }
      break;
    case 'quality':
      if (message.quality.rank === currentRank()) {
        psnrOut.textContent = `${formatNumber(message.quality.psnr, 2)} dB`;
        ssimOut.textContent = formatNumber(message.quality.ssim, 4);
      }
      break;
    case 'saved':
      status.textContent = `Saved ${message.file}`;
      break;
    case 'cancelled':
      setBusy(false);
      awaitingImage = false;
      pendingPreview = undefined;
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
      awaitingImage = false;
      pendingPreview = undefined;
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
  partialNote,
  h('section', { class: 'slider-row' }, h('label', { for: 'rank' }, 'Rank'), slider, rankLabel, saveButton),
  zoomBar,
  h(
    'section',
    { class: 'images' },
    h('figure', { id: 'pane-original' }, originalCanvas, h('figcaption', {}, 'Original')),
    h('figure', { id: 'pane-reconstruction' }, reconstructionCanvas, reconstructionCaption),
  ),
  stats,
  h(
    'section',
    { class: 'spectrum' },
    h('h3', {}, 'Singular value spectrum'),
    spectrumCanvas,
    spectrumReadout,
    spectrumNote,
  ),
);
slider.disabled = true;
send({ type: 'ready' });
