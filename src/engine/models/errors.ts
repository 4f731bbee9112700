/** Why a neural model could not be used, in words a user can act on. */
export type ModelErrorCode =
  | 'manifest-invalid'
  | 'unknown-model'
  | 'download-failed'
  | 'not-found'
  | 'size-mismatch'
  | 'sha256-mismatch'
  | 'contract-mismatch'
  | 'runtime-unavailable'
  | 'session-failed'
  | 'inference-failed';

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ModelErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ModelErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
