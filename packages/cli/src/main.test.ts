import { AbortError, InvalidOptionError, MediaError, OutputExistsError } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { errorLine, exitCodeFor } from './cli-io.js';
import { main } from './main.js';
import { captureIO } from './test-support.js';

describe('lowrank (no command)', () => {
  it('prints help on stderr and exits 2 without a command', async () => {
    const io = captureIO();
    expect(await main([], io)).toBe(2);
    expect(io.err()).toContain('Usage: lowrank <command>');
    expect(io.out()).toBe('');
  });

  it('prints help on stdout with --help and exits 0', async () => {
    const io = captureIO();
    expect(await main(['--help'], io)).toBe(0);
    for (const c of ['compress', 'separate', 'eval', 'plugins', 'bench', 'demo'])
      expect(io.out()).toContain(c);
  });

  it('refuses an unknown command with exit 2 and one line naming it', async () => {
    const io = captureIO();
    expect(await main(['compres'], io)).toBe(2);
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(io.err()).toContain('unknown command "compres"');
  });
});

describe('exit codes and error lines', () => {
  it('maps bad usage and bad input to 2, cancel to 130, anything else to 1', () => {
    expect(exitCodeFor(new InvalidOptionError('--rank', 'bad'))).toBe(2);
    expect(exitCodeFor(new MediaError('x.png', 'bad'))).toBe(2);
    expect(exitCodeFor(new OutputExistsError('out.png'))).toBe(2);
    expect(exitCodeFor(new AbortError())).toBe(130);
    expect(exitCodeFor(new TypeError('boom'))).toBe(1);
  });

  it('keeps messages on one line and marks internal errors as such', () => {
    expect(errorLine(new MediaError('a.png', 'cannot read\nthis'))).toBe('lowrank: a.png: cannot read this');
    expect(errorLine(new TypeError('boom'))).toMatch(/^lowrank: internal error: boom/);
  });
});
