import type { EngineErrorInfo } from '../protocol';

/** A failure the user can act on (bad photos, unrelated photos …), with a plain message. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: 'bad-input' | 'not-available' | 'out-of-memory',
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly hint?: string,
  ) {
    super(message);
  }

  toInfo(): EngineErrorInfo {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}
