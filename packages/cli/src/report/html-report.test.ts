import { describe, expect, it } from 'vitest';
import { type DemoReportData, renderDemoReport } from './html-report.js';
import { lineChart, niceTicks } from './svg-charts.js';

const dot = 'data:image/png;base64,iVBORw0KGgo=';

function data(overrides: Partial<DemoReportData> = {}): DemoReportData {
  return {
    generatedAt: '2026-01-01T00:00:00Z',
    machine: { node: 'v20', cpus: 2, load: [0.5, 0.4, 0.3] },
    image: {
      name: 'camera.png',
      width: 4,
      height: 4,
      original: dot,
      method: 'svd',
      ranks: [{ rank: 1, compressionRatio: 0.44, psnr: 20, ssim: 0.5, picture: dot }],
      singularValues: [4, 2, 1, 0.5],
      rateDistortion: [
        {
          rank: 1,
          storedNumbers: 9,
          svdPsnr: 20,
          jpegBytes: 300,
          jpegPsnr: 30,
          webpBytes: 200,
          webpPsnr: 31,
        },
        {
          rank: 2,
          storedNumbers: 18,
          svdPsnr: 35,
          jpegBytes: 310,
          jpegPsnr: 31,
          webpBytes: 210,
          webpPsnr: 32,
        },
      ],
    },
    video: {
      name: 'clip.avi',
      frames: 3,
      width: 2,
      height: 2,
      matrixPicture: dot,
      runs: [
        {
          method: 'rpca',
          rank: 1,
          iterations: 3,
          converged: true,
          residual: 1e-8,
          seconds: 0.1,
          history: [1e-1, 1e-4, 1e-8],
          frames: [{ index: 0, original: dot, background: dot, foreground: dot, mask: dot }],
        },
      ],
    },
    timings: [{ step: 'svd', seconds: 0.5 }],
    ...overrides,
  };
}

describe('renderDemoReport', () => {
  it('is self-contained: inline data: images and inline SVG, no external URLs or scripts', () => {
    const html = renderDemoReport(data());
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<link');
    expect((html.match(/<svg /g) ?? []).length).toBe(5); // spectrum, energy, rate-distortion, convergence, timings
    for (const id of ['image', 'spectrum', 'rate-distortion', 'video', 'convergence', 'timings'])
      expect(html).toContain(`id="${id}"`);
  });

  it('states which method wins each rate-distortion row, honestly', () => {
    const html = renderDemoReport(data());
    expect(html).toContain('The SVD is ahead only at rank 2');
    const noWin = renderDemoReport(
      data({
        image: {
          ...data().image,
          rateDistortion: [{ rank: 1, storedNumbers: 9, svdPsnr: 20, jpegBytes: 9, jpegPsnr: 30 }],
        },
      }),
    );
    expect(noWin).toContain('JPEG and WebP beat the truncated SVD at every size here');
  });

  it('escapes names that would break the markup', () => {
    const html = renderDemoReport(data({ image: { ...data().image, name: '<b>x</b>.png' } }));
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;.png');
    expect(html).not.toContain('<b>x</b>');
  });
});

describe('svg charts', () => {
  it('draws one path per non-empty series and skips non-positive values on a log axis', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logY: true,
      series: [
        {
          name: 'a',
          color: '#000',
          points: [
            [1, 10],
            [2, 1],
            [3, 0],
          ],
        },
        { name: 'empty', color: '#f00', points: [] },
      ],
    });
    expect((svg.match(/class="series"/g) ?? []).length).toBe(1);
    expect(svg).toMatch(/d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
    expect(svg).not.toContain('NaN');
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
