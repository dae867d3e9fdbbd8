/** Helpers shared by the two webview pages: host messaging, state, DOM, canvases and charts. */
import type {
  HostToWebview,
  MethodInfo,
  OptionInfo,
  OptionValues,
  PanelState,
  WebviewToHost,
} from '../src/shared/protocol.js';
import { checkbox, dropdown, textField } from './toolkit.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscodeApi = acquireVsCodeApi();

export function send(message: WebviewToHost): void {
  vscodeApi.postMessage(message);
}

export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as HostToWebview | undefined;
    if (data && typeof data === 'object' && typeof data.type === 'string') handler(data);
  });
}

export function loadState(): Partial<PanelState> {
  const state = vscodeApi.getState();
  return typeof state === 'object' && state !== null ? (state as Partial<PanelState>) : {};
}

/** Keeps panel choices across hide/show and window reloads (the serializer receives this). */
export function saveState(state: PanelState): void {
  vscodeApi.setState(state);
}

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') el.className = value;
    else el.setAttribute(key, value);
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

/** A theme colour from VS Code's CSS variables (light, dark and high-contrast themes all set them). */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Draws planar float data in [0, 1] (1 or 3 channels) into a canvas at its natural size. */
export function drawPlanes(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  planes: readonly ArrayLike<number>[],
): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  const out = image.data;
  const n = width * height;
  const [r, g = r, b = r] = planes as [ArrayLike<number>, ArrayLike<number>?, ArrayLike<number>?];
  for (let p = 0; p < n; p++) {
    out[4 * p] = r[p]! * 255;
    out[4 * p + 1] = g[p]! * 255;
    out[4 * p + 2] = b[p]! * 255;
    out[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Draws 8-bit data into a canvas: gray (channels 1) or RGB interleaved (channels 3), from `offset`. */
export function drawGray(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  bytes: Uint8Array,
  offset = 0,
  channels = 1,
): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  const out = image.data;
  const g = channels === 3 ? 1 : 0;
  const b = channels === 3 ? 2 : 0;
  for (let p = 0; p < width * height; p++) {
    const at = offset + p * channels;
    out[4 * p] = bytes[at]!;
    out[4 * p + 1] = bytes[at + g]!;
    out[4 * p + 2] = bytes[at + b]!;
    out[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** The plugin note and each plugin module that failed to load, for the top of a panel. */
export function pluginProblems(
  note: string | undefined,
  failures: readonly { readonly specifier: string; readonly message: string }[] | undefined,
): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (note) out.push(h('div', { class: 'note', id: 'plugin-note' }, note));
  for (const failure of failures ?? []) {
    out.push(
      h('div', { class: 'error plugin-error', role: 'alert' }, `${failure.specifier}: ${failure.message}`),
    );
  }
  return out;
}

export interface Series {
  readonly values: ArrayLike<number>;
  readonly color: string;
  readonly label: string;
  /** Plot on a log10 scale. */
  readonly log?: boolean;
  /** Right-hand axis 0..1 (fractions). */
  readonly unit?: boolean;
}

/** Where a chart put its plot, to map pointer positions back to x values (1-based). */
export interface ChartGeometry {
  /** The x value (1..count) under a CSS x coordinate of the canvas, or undefined outside the plot. */
  valueAt(cssX: number): number | undefined;
}

/** About five round tick values (1, 2 or 5 times a power of ten apart) covering [low, high]. */
export function niceTicks(low: number, high: number, wanted = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + 1e-9 * step; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function tickLabel(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-2) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}

/**
 * A line chart with axis values: x is 1..count, a log series gets a left axis in its own units
 * (powers of ten), a unit series (0..1) a right axis in percent; an optional dashed marker at x.
 */
export function drawChart(
  canvas: HTMLCanvasElement,
  series: readonly Series[],
  marker?: number,
  xLabel = '',
): ChartGeometry {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 480;
  const cssHeight = canvas.clientHeight || 180;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  const count = Math.max(1, ...series.map((s) => s.values.length));
  const left = 48;
  const right = cssWidth - 44;
  const top = 20;
  const bottom = cssHeight - 34;
  const xOf = (x: number) => left + ((right - left) * (x - 1)) / Math.max(1, count - 1);
  const geometry: ChartGeometry = {
    valueAt(cssX) {
      if (cssX < left - 4 || cssX > right + 4 || count < 1) return undefined;
      return Math.min(count, Math.max(1, Math.round(1 + ((cssX - left) / (right - left)) * (count - 1))));
    },
  };
  const ctx = canvas.getContext('2d');
  if (!ctx) return geometry;
  ctx.scale(ratio, ratio);
  const fg = themeColor('--vscode-foreground', '#888');
  const muted = themeColor('--vscode-descriptionForeground', fg);
  const grid = themeColor('--vscode-widget-border', themeColor('--vscode-panel-border', '#8884'));
  const font = themeColor('--vscode-font-family', 'sans-serif');
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.font = `11px ${font}`;
  ctx.fillStyle = muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const x of niceTicks(1, count)) {
    if (x < 1 || !Number.isInteger(x)) continue;
    ctx.fillText(tickLabel(x), xOf(x), bottom + 4);
    ctx.beginPath();
    ctx.moveTo(xOf(x), bottom);
    ctx.lineTo(xOf(x), bottom + 3);
    ctx.stroke();
  }
  let legendX = left;
  let leftAxisDone = false;
  let rightAxisDone = false;
  for (const s of series) {
    const n = s.values.length;
    if (n === 0) continue;
    const mapped = Array.from(s.values, (v) => (s.log ? Math.log10(Math.max(v, 1e-12)) : v));
    let min = s.unit ? 0 : Math.min(...mapped);
    let max = s.unit ? 1 : Math.max(...mapped);
    if (s.log) {
      min = Math.floor(min);
      max = Math.ceil(max);
    }
    const span = max - min || 1;
    const yOf = (v: number) => bottom - ((bottom - top) * (v - min)) / span;
    ctx.textBaseline = 'middle';
    if (s.unit && !rightAxisDone) {
      rightAxisDone = true;
      ctx.textAlign = 'left';
      for (const v of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(`${Math.round(v * 100)}%`, right + 4, yOf(v));
    } else if (!s.unit && !leftAxisDone) {
      leftAxisDone = true;
      ctx.textAlign = 'right';
      const ticks = s.log
        ? Array.from({ length: max - min + 1 }, (_, i) => min + i).filter(
            (_, i, all) => all.length <= 6 || i % Math.ceil(all.length / 6) === 0,
          )
        : niceTicks(min, max);
      for (const t of ticks) {
        ctx.fillText(s.log ? tickLabel(10 ** t) : tickLabel(t), left - 4, yOf(t));
        ctx.strokeStyle = grid;
        ctx.beginPath();
        ctx.moveTo(left, yOf(t));
        ctx.lineTo(right, yOf(t));
        ctx.stroke();
      }
    }
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = xOf(i + 1);
      const y = yOf(mapped[i]!);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = s.color;
    ctx.fillRect(legendX, 6, 10, 3);
    ctx.fillStyle = fg;
    ctx.fillText(s.label, legendX + 14, 12);
    legendX += ctx.measureText(s.label).width + 30;
    ctx.fillStyle = muted;
  }
  if (marker !== undefined && count > 1) {
    const x = xOf(marker);
    ctx.strokeStyle = themeColor('--vscode-charts-red', themeColor('--vscode-errorForeground', '#e51400'));
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.fillStyle = fg;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(xLabel, (left + right) / 2, cssHeight - 3);
  return geometry;
}

/** Calls `redraw` when VS Code switches theme (it rewrites the body's classes and the root's variables). */
export function onThemeChange(redraw: () => void): void {
  const observer = new MutationObserver(() => redraw());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

/** The plugin's options as form fields (the spec drives the controls); returns a reader for the values. */
export function optionsForm(
  method: MethodInfo,
  initial: OptionValues,
  resolveMax: (max: OptionInfo['max']) => number | undefined,
  onChange: () => void,
): { element: HTMLElement; read(): OptionValues } {
  const values: OptionValues = {};
  const container = h('div', { class: 'options', id: 'method-options' });
  for (const option of method.options) {
    const start = initial[option.key] ?? option.default;
    values[option.key] = start;
    const title = `${option.description}${option.min !== undefined || option.max !== undefined ? ` (${option.min ?? ''}..${resolveMax(option.max) ?? option.max ?? ''})` : ''}`;
    let field: HTMLElement;
    if (option.type === 'boolean') {
      field = checkbox(option.label, start === true, (checked) => {
        values[option.key] = checked;
        onChange();
      });
    } else if (option.type === 'enum') {
      field = h(
        'label',
        { class: 'field' },
        h('span', {}, option.label),
        dropdown(
          (option.values ?? []).map((v) => ({ value: v, label: v })),
          String(start),
          (v) => {
            values[option.key] = v;
            onChange();
          },
        ),
      );
    } else {
      field = textField(
        option.label,
        String(start),
        (text) => {
          const trimmed = text.trim();
          if (option.type === 'string') values[option.key] = trimmed;
          else if (trimmed === 'auto' && option.allowAuto) values[option.key] = 'auto';
          else if (trimmed !== '' && Number.isFinite(Number(trimmed))) values[option.key] = Number(trimmed);
          onChange();
        },
        { size: 8, id: `option-${option.key}` },
      );
    }
    field.title = title;
    container.append(field);
  }
  return { element: container, read: () => ({ ...values }) };
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error', role: 'alert', id: 'error' }, message);
}

/** The collapsible block that shows a method's description above its options form. */
export function optionsDetails(method: MethodInfo, form: HTMLElement): HTMLElement {
  return h(
    'details',
    {},
    h('summary', {}, `${method.displayName} options`),
    h('p', { class: 'note' }, method.description),
    form,
  );
}
