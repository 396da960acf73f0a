import type { StepReason } from '../state/model';

/** A deployment step failed for a reason App Platform would show (`reason.code`, `reason.message`). */
export class StepFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'StepFailure';
  }

  get reason(): StepReason {
    return { code: this.code, message: this.message };
  }
}

export function reasonOf(err: unknown): StepReason {
  if (err instanceof StepFailure) return err.reason;
  return { code: 'InternalError', message: err instanceof Error ? err.message : String(err) };
}
