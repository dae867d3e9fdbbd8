import { describe, expect, it } from 'vitest';
import {
  AbortError,
  InvalidOptionError,
  isAbortError,
  isLowrankError,
  LowrankError,
  MediaError,
  OutputExistsError,
  ResourceLimitError,
  throwIfAborted,
} from './errors.js';

describe('typed errors', () => {
  it('carry a stable code, a name, and the hint in the message', () => {
    const e = new InvalidOptionError('rank', '0 is out of range.', { hint: 'Pick 1..512.' });
    expect(e).toBeInstanceOf(LowrankError);
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.name).toBe('InvalidOptionError');
    expect(e.option).toBe('rank');
    expect(e.message).toBe('Invalid option "rank": 0 is out of range. Pick 1..512.');
    expect(new MediaError('a.png', 'is empty (0 bytes).').message).toBe('a.png: is empty (0 bytes).');
    expect(new OutputExistsError('out.png').message).toMatch(/out.png: already exists.*--force/);
    expect(new ResourceLimitError('too big', { neededBytes: 10, budgetBytes: 5 }).neededBytes).toBe(10);
    expect(isLowrankError(e)).toBe(true);
    expect(isLowrankError(new Error('x'))).toBe(false);
  });

  it('turns an aborted signal into an AbortError, and recognises platform abort errors', () => {
    const c = new AbortController();
    expect(() => throwIfAborted(c.signal)).not.toThrow();
    expect(() => throwIfAborted(undefined)).not.toThrow();
    c.abort(new Error('user pressed cancel'));
    expect(() => throwIfAborted(c.signal)).toThrow(AbortError);
    expect(() => throwIfAborted(c.signal)).toThrow('Cancelled: user pressed cancel');
    expect(isAbortError(new AbortError())).toBe(true);
    expect(isAbortError(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbortError(new Error('x'))).toBe(false);
  });
});
