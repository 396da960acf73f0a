/** Failures of the status file and of the cross-process lock files (no vscode, no git). */
export const STATUS_ERROR_MITIGATIONS = {
  LOCKED: 'Another Odoobo operation holds the lock: wait for it to finish (its process id and purpose are in the message), then retry.',
  LOCK_LOST: 'The lock was taken over while this operation ran (it looked stale): check the result, then retry.',
  ABORTED: 'The operation was canceled.',
  STATUS_FILE_CORRUPT:
    'The status file could not be read; it was moved aside (see the message) and a fresh one is started. Inspect the moved file if you ' +
    'need its history.',
} as const;

export type StatusErrorCode = keyof typeof STATUS_ERROR_MITIGATIONS;

export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly mitigation: string;
  constructor(
    readonly code: StatusErrorCode,
    message: string,
    readonly details: { file?: string; movedTo?: string; problems?: string[]; holder?: LockHolder; cause?: unknown } = {},
  ) {
    super(`${message} ${STATUS_ERROR_MITIGATIONS[code]}`);
    this.mitigation = STATUS_ERROR_MITIGATIONS[code];
    if (details.cause !== undefined) (this as { cause?: unknown }).cause = details.cause;
  }
}

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly createdAt: string;
  readonly purpose?: string;
}
