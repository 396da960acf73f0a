// No `vscode` import: unit tests and the integration suite read refusals without an extension host.

/** What a command handler returns when it did not run; tests read it, people read the notification. */
export type CommandRefusal = { readonly refused: 'untrusted' | 'cancelled' | 'invalid-input'; readonly message: string };

export function isRefusal(value: unknown): value is CommandRefusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

export function refused(message: string, kind: CommandRefusal['refused'] = 'invalid-input'): CommandRefusal {
  return { refused: kind, message };
}

/** The person dismissed a prompt: `<what> cancelled`. */
export function cancelled(what: string): CommandRefusal {
  return refused(`${what} cancelled`, 'cancelled');
}
