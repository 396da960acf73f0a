/** Every command the extension contributes; `package.json` must list exactly these (a test checks). */
export const COMMAND_IDS = [
  'odoobo.deploy',
  'odoobo.deployChosen',
  'odoobo.deployAll',
  'odoobo.cancelDeploy',
  'odoobo.test',
  'odoobo.merge',
  'odoobo.rollback',
  'odoobo.showDashboard',
  'odoobo.showLogs',
  'odoobo.openLiveUrl',
  'odoobo.setupWorktrees',
  'odoobo.removeWorktree',
  'odoobo.openWorktreeInNewWindow',
  'odoobo.revealWorktree',
  'odoobo.openWorktreeTerminal',
  'odoobo.syncWorktree',
  'odoobo.validateAppSpec',
  'odoobo.replacePlaceholder',
  'odoobo.setToken',
  'odoobo.chooseTarget',
  'odoobo.refresh',
  'odoobo.scaffoldSkill',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** Commands that run code, change git state or deploy: refused in an untrusted workspace. */
export const TRUST_REQUIRED: ReadonlySet<CommandId> = new Set<CommandId>([
  'odoobo.deploy',
  'odoobo.deployChosen',
  'odoobo.deployAll',
  'odoobo.cancelDeploy',
  'odoobo.test',
  'odoobo.merge',
  'odoobo.rollback',
  'odoobo.setupWorktrees',
  'odoobo.removeWorktree',
  'odoobo.syncWorktree',
  'odoobo.openWorktreeTerminal',
  'odoobo.scaffoldSkill',
]);

/** What a command handler returns when it did not run; tests read it, people read the notification. */
export type CommandRefusal = { readonly refused: 'untrusted' | 'cancelled' | 'invalid-input'; readonly message: string };

export function isRefusal(value: unknown): value is CommandRefusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}
