import { describe, expect, it } from 'vitest';
import { ProgressBar, renderBar } from './progress-bar.js';

describe('progress bar', () => {
  it('renders fraction, iteration and residual', () => {
    const line = renderBar(
      'factorize',
      { fraction: 0.5, iteration: 10, maxIterations: 20, residual: 3.14e-5 },
      10,
    );
    expect(line).toBe('factorize [#####-----]  50% it 10/20 residual 3.1e-5');
  });

  it('writes nothing when disabled (stdout not a terminal, or --json)', () => {
    let written = '';
    const bar = new ProgressBar({ write: (t: string) => (written += t) }, false);
    bar.stage('decode');
    bar.update({ fraction: 1 });
    bar.done();
    expect(written).toBe('');
  });

  it('draws on its stream and clears the line when done', () => {
    let written = '';
    const bar = new ProgressBar({ write: (t: string) => (written += t) }, true);
    bar.stage('decode');
    bar.update({ fraction: 1 });
    bar.done();
    expect(written).toContain('decode [');
    expect(written).toContain('100%');
    expect(written.endsWith('\r\x1b[K')).toBe(true);
  });
});
