import { figure, fmt, reportPage } from './report-page.js';
import { escapeXml, lineChart } from './svg-charts.js';

/** What `lowrank eval --report` shows; the page is a pure function of it (easy to test). */
export interface EvalReportData {
  readonly generatedAt: string;
  readonly masks: string;
  readonly groundtruth: string;
  /** The folder the input frames were read from, when the report shows them. */
  readonly frames?: string;
  readonly totals: {
    readonly framesEvaluated: number;
    readonly framesWithoutMask: number;
    readonly precision: number;
    readonly recall: number;
    readonly fMeasure: number;
    readonly truePositives: number;
    readonly falsePositives: number;
    readonly falseNegatives: number;
    readonly trueNegatives: number;
    readonly ignoredPixels: number;
  };
  readonly perFrame: readonly EvalReportFrame[];
  /** The frames with the lowest F-measure, worst first, with their pictures. */
  readonly worst: readonly EvalReportPictures[];
}

export interface EvalReportFrame {
  readonly frame: string;
  /** Where it goes on the chart's x axis: the frame number in the file name, else its position. */
  readonly index: number;
  readonly precision: number;
  readonly recall: number;
  readonly fMeasure: number;
  /** False when the frame has no foreground and none was detected: F is undefined there. */
  readonly scored: boolean;
}

export interface EvalReportPictures {
  readonly frame: string;
  readonly precision: number;
  readonly recall: number;
  readonly fMeasure: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** data: URIs. The input frame is missing when its folder was not found. */
  readonly input?: string;
  readonly mask: string;
  readonly truth: string;
  /** The errors drawn over the frame: found (green), false alarm (red), missed (blue). */
  readonly errors: string;
  /** Display width in CSS pixels. */
  readonly width: number;
}

/** Renders the eval report: totals, a per-frame F-measure chart, and the worst frames side by side. */
export function renderEvalReport(data: EvalReportData): string {
  const t = data.totals;
  const scored = data.perFrame.filter((f) => f.scored);
  const chart = lineChart({
    title: 'F-measure per frame',
    xLabel: 'frame',
    yLabel: 'F-measure',
    legend: 'bottom-right',
    width: 1000,
    height: 320,
    series: [
      {
        name: 'F-measure',
        color: '#4477aa',
        markers: scored.length <= 150,
        points: scored.map((f) => [f.index, f.fMeasure] as const),
      },
      {
        name: 'precision',
        color: '#ee6677',
        dashed: true,
        points: scored.map((f) => [f.index, f.precision] as const),
      },
      {
        name: 'recall',
        color: '#228833',
        dashed: true,
        points: scored.map((f) => [f.index, f.recall] as const),
      },
    ],
    yMarks: [{ value: t.fMeasure, label: `pooled F ${fmt(t.fMeasure, 3)}` }],
  });
  const unscored = data.perFrame.length - scored.length;
  const summary = `<section id="summary"><h2>Pooled over ${t.framesEvaluated} frame(s)</h2>
<table><thead><tr><th>precision</th><th>recall</th><th>F-measure</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th><th>ignored</th></tr></thead>
<tbody><tr><td>${fmt(t.precision, 4)}</td><td>${fmt(t.recall, 4)}</td><td>${fmt(t.fMeasure, 4)}</td><td>${t.truePositives}</td><td>${t.falsePositives}</td><td>${t.falseNegatives}</td><td>${t.trueNegatives}</td><td>${t.ignoredPixels}</td></tr></tbody></table>
<p class="muted">CDnet convention: ground truth 255 is foreground; 0 and 50 (hard shadow) background; 85 (outside the region of interest) and 170 (unknown, object boundary) not evaluated. Counts are pooled over all frames, then precision, recall and F are taken from the totals.${t.framesWithoutMask ? ` ${t.framesWithoutMask} ground-truth frame(s) had no mask and were not evaluated.` : ''}</p></section>`;
  const perFrame = `<section id="per-frame"><h2>F-measure per frame</h2><div class="charts">${chart}</div>
<p class="muted">${scored.length} frame(s) drawn${unscored ? `; ${unscored} frame(s) with no foreground in the ground truth and none detected are left out (F is undefined there)` : ''}.</p></section>`;
  const worst = data.worst
    .map((w) => {
      const caption = `${w.frame}: F ${fmt(w.fMeasure, 3)} (precision ${fmt(w.precision, 3)}, recall ${fmt(w.recall, 3)}; ${w.falsePositives} false alarm(s), ${w.falseNegatives} missed)`;
      const pictures = [
        w.input ? figure(w.input, 'frame', w.width) : '',
        figure(w.mask, 'our mask', w.width),
        figure(w.truth, 'ground truth', w.width),
        figure(w.errors, 'errors: green found, red false alarm, blue missed', w.width),
      ].join('');
      return `<h3>${escapeXml(caption)}</h3><div class="grid frame-row">${pictures}</div>`;
    })
    .join('');
  const worstSection = `<section id="worst"><h2>The ${data.worst.length} worst frame(s)</h2>${
    data.worst.length ? worst : '<p class="muted">No frame had anything to find or anything detected.</p>'
  }${data.frames === undefined ? '<p class="muted">The input frames were not found; pass --frames DIR to show them.</p>' : ''}</section>`;
  const sources = [
    `masks ${escapeXml(data.masks)}`,
    `ground truth ${escapeXml(data.groundtruth)}`,
    ...(data.frames === undefined ? [] : [`frames ${escapeXml(data.frames)}`]),
  ].join(', ');
  return reportPage({
    title: 'Lowrank mask evaluation',
    intro: `Generated ${escapeXml(data.generatedAt)} by <code>lowrank eval</code> (${sources}). Everything on this page is inline: it opens offline.`,
    sections: [summary, perFrame, worstSection],
  });
}
