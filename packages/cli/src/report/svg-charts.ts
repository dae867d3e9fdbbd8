/**
 * Small inline SVG line charts for the self-contained HTML report: no scripts, no external assets,
 * so the report opens offline and in any browser.
 */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  /** Draw dots at each point (for sparse series such as a rate-distortion table). */
  readonly markers?: boolean;
  readonly dashed?: boolean;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly logY?: boolean;
  readonly logX?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Horizontal reference lines, e.g. an energy of 0.9. */
  readonly yMarks?: readonly { value: number; label: string }[];
  /** Where the legend box goes (default top-right). */
  readonly legend?: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Rounded tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  return Number(v.toPrecision(4)).toString();
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 300;
  const pad = { left: 62, right: 16, top: 30, bottom: 44 };
  const fx = options.logX ? (v: number) => Math.log10(v) : (v: number) => v;
  const fy = options.logY ? (v: number) => Math.log10(v) : (v: number) => v;
  const usable = options.series.flatMap((s) =>
    s.points.filter(([x, y]) => Number.isFinite(fx(x)) && Number.isFinite(fy(y))),
  );
  const xs = usable.map(([x]) => fx(x));
  const ys = [...usable.map(([, y]) => fy(y)), ...(options.yMarks ?? []).map((m) => fy(m.value))];
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const yPad = (y1 - y0) * 0.05;
  y0 -= yPad;
  y1 += yPad;
  const px = (v: number) => pad.left + ((v - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (v: number) => height - pad.bottom - ((v - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="${escapeXml(options.title)}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(options.title)}</text>`,
  );
  const xTicks = options.logX ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yTicks = options.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = py(t);
    if (y < pad.top - 1 || y > height - pad.bottom + 1) continue;
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${pad.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#444">${formatTick(options.logY ? 10 ** t : t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = px(t);
    if (x < pad.left - 1 || x > width - pad.right + 1) continue;
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#f0f0f0"/>`,
      `<text x="${x.toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle" font-size="11" fill="#444">${formatTick(options.logX ? 10 ** t : t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`,
    `<text x="14" y="${(pad.top + height - pad.bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(pad.top + height - pad.bottom) / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  for (const mark of options.yMarks ?? []) {
    const y = py(fy(mark.value));
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
      `<text x="${width - pad.right - 4}" y="${(y - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#666">${escapeXml(mark.label)}</text>`,
    );
  }
  options.series.forEach((s) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(fx(x)) && Number.isFinite(fy(y)));
    if (pts.length === 0) return;
    const d = pts
      .map(([x, y], i) => `${i ? 'L' : 'M'}${px(fx(x)).toFixed(1)},${py(fy(y)).toFixed(1)}`)
      .join('');
    parts.push(
      `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    if (s.markers) {
      for (const [x, y] of pts)
        parts.push(
          `<circle cx="${px(fx(x)).toFixed(1)}" cy="${py(fy(y)).toFixed(1)}" r="3" fill="${s.color}"/>`,
        );
    }
  });
  // Legend on a white box, in the corner the caller chose (top-right by default).
  const legendWidth = Math.max(...options.series.map((s) => s.name.length), 4) * 6 + 44;
  const legendX =
    options.legend === 'top-left' || options.legend === 'bottom-left'
      ? pad.left + 6
      : width - pad.right - legendWidth - 6;
  const legendHeight = options.series.length * 16 + 6;
  const legendY =
    options.legend === 'bottom-right' || options.legend === 'bottom-left'
      ? height - pad.bottom - legendHeight - 6
      : pad.top + 4;
  parts.push(
    `<rect x="${legendX}" y="${legendY}" width="${legendWidth}" height="${legendHeight}" fill="#fff" fill-opacity="0.85" stroke="#ddd"/>`,
  );
  options.series.forEach((s, i) => {
    const y = legendY + 11 + i * 16;
    parts.push(
      `<line x1="${legendX + 6}" x2="${legendX + 26}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${legendX + 32}" y="${y + 4}" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const span = hi - lo;
  const step = span > 8 ? 2 : 1;
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e += step) out.push(e);
  return out.length ? out : [lo, hi];
}

/** A horizontal bar chart (timings). */
export function barChart(
  title: string,
  bars: readonly { label: string; value: number }[],
  unit: string,
  width = 560,
): string {
  const rowHeight = 22;
  const labelWidth = 210;
  const height = 36 + bars.length * rowHeight + 10;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title><rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = 32 + i * rowHeight;
    const w = Math.max(1, (b.value / max) * (width - labelWidth - 80));
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end" font-size="11">${escapeXml(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="#4477aa"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 14}" font-size="11">${b.value.toFixed(2)} ${escapeXml(unit)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
