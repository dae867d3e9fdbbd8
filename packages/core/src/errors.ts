/**
 * Typed errors. Every error Lowrank throws on purpose is a LowrankError with a stable `code`
 * (for programs) and a message that says what went wrong and what to do (for people).
 */
export type LowrankErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_INPUT'
  | 'INVALID_PLUGIN'
  | 'PLUGIN_NOT_FOUND'
  | 'ABORTED'
  | 'MEDIA_ERROR'
  | 'RESOURCE_LIMIT'
  | 'OUTPUT_EXISTS'
  | 'DEPENDENCY_MISSING'
  | 'NOT_CONVERGED';

export class LowrankError extends Error {
  readonly code: LowrankErrorCode;
  /** A short hint on what to do next, also appended to the message. */
  readonly hint: string | undefined;

  constructor(code: LowrankErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(options?.hint ? `${message} ${options.hint}` : message, { cause: options?.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}

/** An option (or argument) has a value outside what it accepts; `option` names it. */
export class InvalidOptionError extends LowrankError {
  readonly option: string;
  constructor(option: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super('INVALID_OPTION', `Invalid option "${option}": ${message}`, options);
    this.option = option;
  }
}

/** The data itself cannot be used (empty, NaN/Inf entries, wrong shape). */
export class InvalidInputError extends LowrankError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/** A plugin object does not meet the Factorizer contract. */
export class InvalidPluginError extends LowrankError {
  readonly plugin: string | undefined;
  constructor(plugin: string | undefined, message: string, options?: { hint?: string; cause?: unknown }) {
    super('INVALID_PLUGIN', plugin ? `Plugin "${plugin}": ${message}` : `Plugin: ${message}`, options);
    this.plugin = plugin;
  }
}

export class PluginNotFoundError extends LowrankError {
  readonly plugin: string;
  constructor(plugin: string, available: readonly string[]) {
    super('PLUGIN_NOT_FOUND', `No factorizer named "${plugin}" is registered.`, {
      hint: available.length
        ? `Available: ${available.join(', ')}. Load a custom one with --plugin MODULE.`
        : 'No factorizers are registered yet.',
    });
    this.plugin = plugin;
  }
}

/** Work was cancelled through an AbortSignal. `name` is 'AbortError' like the platform's. */
export class AbortError extends LowrankError {
  constructor(message = 'The operation was cancelled.') {
    super('ABORTED', message);
    this.name = 'AbortError';
  }
}

/** A file could not be read or written as media; `file` names it. */
export class MediaError extends LowrankError {
  readonly file: string | undefined;
  constructor(file: string | undefined, message: string, options?: { hint?: string; cause?: unknown }) {
    super('MEDIA_ERROR', file ? `${file}: ${message}` : message, options);
    this.file = file;
  }
}

/** The work would need more memory (or pixels, or time) than allowed. */
export class ResourceLimitError extends LowrankError {
  readonly neededBytes: number | undefined;
  readonly budgetBytes: number | undefined;
  constructor(message: string, options?: { hint?: string; neededBytes?: number; budgetBytes?: number }) {
    super('RESOURCE_LIMIT', message, options);
    this.neededBytes = options?.neededBytes;
    this.budgetBytes = options?.budgetBytes;
  }
}

/** Writing would replace an existing file or the input itself. */
export class OutputExistsError extends LowrankError {
  readonly file: string;
  constructor(file: string, message = 'already exists and would be overwritten.', hint?: string) {
    super('OUTPUT_EXISTS', `${file}: ${message}`, {
      hint: hint ?? 'Choose another output path, or pass overwrite: true (--force) to replace it.',
    });
    this.file = file;
  }
}

/** An external program or optional package the work needs is not installed. */
export class DependencyMissingError extends LowrankError {
  readonly dependency: string;
  constructor(dependency: string, message: string, hint?: string) {
    super('DEPENDENCY_MISSING', message, { hint });
    this.dependency = dependency;
  }
}

export function isLowrankError(error: unknown): error is LowrankError {
  return error instanceof LowrankError;
}

/** Throws AbortError if the signal has been aborted. Call it once per iteration of long loops. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    throw new AbortError(
      reason instanceof Error && reason.message ? `Cancelled: ${reason.message}` : undefined,
    );
  }
}

/** True for our AbortError and for the platform's DOMException('AbortError'). */
export function isAbortError(error: unknown): boolean {
  return (
    error instanceof AbortError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError')
  );
}
