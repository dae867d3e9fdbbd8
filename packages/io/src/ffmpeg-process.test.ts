import { describe, expect, it } from 'vitest';
import { StderrTail } from './ffmpeg-process.js';

describe('StderrTail', () => {
  it('keeps the first and the last `limit` characters of a long output', () => {
    const tail = new StderrTail(10);
    for (let i = 0; i < 100; i++) tail.push(`line ${String(i).padStart(2, '0')}\n`);
    expect(tail.start).toBe('line 00\nli');
    expect(tail.value).toBe('8\nline 99\n');
  });

  it('keeps a short output whole at both ends', () => {
    const tail = new StderrTail(64);
    tail.push('Input #0, avi\n');
    tail.push(Buffer.from('Stream #0:0: Video\n'));
    expect(tail.start).toBe('Input #0, avi\nStream #0:0: Video\n');
    expect(tail.value).toBe(tail.start);
  });
});
