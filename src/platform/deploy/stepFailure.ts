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

/** Why the steps of a deployment that did not finish on its own ended. */
export const CANCELED: StepReason = { code: 'DeploymentCanceled', message: 'The deployment was canceled.' };
export const PLATFORM_STOPPED: StepReason = {
  code: 'PlatformStopped',
  message: 'The local App Platform stopped while this deployment was in progress.',
};
export const PLATFORM_RESTARTED: StepReason = {
  code: 'PlatformRestarted',
  message: 'The local App Platform restarted while this deployment was in progress; create a new deployment.',
};
