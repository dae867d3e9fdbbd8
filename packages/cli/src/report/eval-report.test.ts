import { describe, expect, it } from 'vitest';
import { type EvalReportData, renderEvalReport } from './eval-report.js';

const dot = 'data:image/png;base64,iVBORw0KGgo=';

function data(overrides: Partial<EvalReportData> = {}): EvalReportData {
  return {
    generatedAt: '2026-01-01T00:00:00Z',
    masks: 'out/masks',
    groundtruth: 'cdnet/groundtruth',
    frames: 'cdnet/input',
    totals: {
      framesEvaluated: 3,
      framesWithoutMask: 0,
      precision: 0.5,
      recall: 0.8,
      fMeasure: 0.615,
      truePositives: 8,
      falsePositives: 8,
      falseNegatives: 2,
      trueNegatives: 100,
      ignoredPixels: 4,
    },
    perFrame: [
      { frame: 'gt000010.png', index: 10, precision: 0.5, recall: 1, fMeasure: 2 / 3, scored: true },
      { frame: 'gt000011.png', index: 11, precision: 0, recall: 0, fMeasure: 0, scored: false },
      { frame: 'gt000012.png', index: 12, precision: 0.4, recall: 0.5, fMeasure: 0.444, scored: true },
    ],
    worst: [
      {
        frame: 'gt000012.png',
        precision: 0.4,
        recall: 0.5,
        fMeasure: 0.444,
        falsePositives: 3,
        falseNegatives: 2,
        input: dot,
        mask: dot,
        truth: dot,
        errors: dot,
        width: 4,
      },
    ],
    ...overrides,
  };
}

describe('renderEvalReport', () => {
  it('draws the scored frames only and shows each worst frame with its four pictures', () => {
    const html = renderEvalReport(data());
    expect(html).toContain('2 frame(s) drawn; 1 frame(s) with no foreground');
    expect(html).toContain(
      'gt000012.png: F 0.444 (precision 0.400, recall 0.500; 3 false alarm(s), 2 missed)',
    );
    expect((html.match(/<img /g) ?? []).length).toBe(4);
    expect((html.match(/<svg /g) ?? []).length).toBe(1);
    expect(html).not.toContain('pass --frames DIR');
  });

  it('says how to show the frames when there are none, and escapes names', () => {
    const { frames: _frames, ...rest } = data();
    const html = renderEvalReport({ ...rest, masks: '<masks>' });
    expect(html).toContain('pass --frames DIR to show them');
    expect(html).toContain('masks &lt;masks&gt;');
    expect(html).not.toContain('<masks>');
  });
});
