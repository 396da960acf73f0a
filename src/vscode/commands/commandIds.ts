// No `vscode` import: test/unit reads these lists beside package.json without an extension host.

/** Every command the extension contributes; `package.json` must list exactly these (test/unit/vscode/command-ids.test.ts). */
export const COMMAND_IDS = [
  'odoobo.deploy',
  'odoobo.deployChosen',
  'odoobo.deployAll',
  'odoobo.cancelDeploy',
  'odoobo.test',
  'odoobo.merge',
  'odoobo.rollback',
  'odoobo.rollbackToDeployment',
  'odoobo.restart',
  'odoobo.openConsole',
  'odoobo.scale',
  'odoobo.setEnvVar',
  'odoobo.setSecret',
  'odoobo.unsetEnvVar',
  'odoobo.showAlerts',
  'odoobo.showDashboard',
  'odoobo.showInsights',
  'odoobo.setWebhooks',
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
  'odoobo.stopLocalPlatform',
  'odoobo.refresh',
  'odoobo.scaffoldSkill',
  'odoobo.runLocally',
  'odoobo.stopLocalRun',
  'odoobo.invoke',
  'odoobo.debugLocally',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/**
 * Commands that run code, change git state or deploy: refused in an untrusted workspace. Exactly these carry
 * `"enablement": "isWorkspaceTrusted"` in package.json (the same test checks).
 */
export const TRUST_REQUIRED: ReadonlySet<CommandId> = new Set<CommandId>([
  'odoobo.deploy',
  'odoobo.deployChosen',
  'odoobo.deployAll',
  'odoobo.cancelDeploy',
  'odoobo.test',
  'odoobo.merge',
  'odoobo.rollback',
  'odoobo.rollbackToDeployment',
  'odoobo.restart',
  'odoobo.openConsole',
  'odoobo.scale',
  'odoobo.setEnvVar',
  'odoobo.setSecret',
  'odoobo.unsetEnvVar',
  'odoobo.setupWorktrees',
  'odoobo.removeWorktree',
  'odoobo.syncWorktree',
  'odoobo.openWorktreeTerminal',
  'odoobo.scaffoldSkill',
  'odoobo.runLocally',
  'odoobo.stopLocalRun',
  'odoobo.debugLocally',
]);
