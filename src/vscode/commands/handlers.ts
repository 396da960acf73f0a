import { replacePlaceholder } from './appSpec/replacePlaceholder';
import { validateAppSpec } from './appSpec/validateAppSpec';
import type { CommandId } from './commandIds';
import type { CommandContext } from './context';
import { cancelDeploy } from './deploy/cancelDeploy';
import { deploy } from './deploy/deploy';
import { deployAll } from './deploy/deployAll';
import { deployChosen } from './deploy/deployChosen';
import { openLiveUrl } from './deploy/openLiveUrl';
import { rollback } from './deploy/rollback';
import { rollbackToDeployment } from './deploy/rollbackToDeployment';
import { testSkills } from './deploy/test';
import { openConsole } from './operate/openConsole';
import { restart } from './operate/restart';
import { scale } from './operate/scale';
import { setEnvVar } from './operate/setEnvVar';
import { setSecret } from './operate/setSecret';
import { showAlerts } from './operate/showAlerts';
import { unsetEnvVar } from './operate/unsetEnvVar';
import { debugLocally } from './localRun/debugLocally';
import { invoke } from './localRun/invoke';
import { runLocally } from './localRun/runLocally';
import { stopLocalRun } from './localRun/stopLocalRun';
import { chooseEnvironment } from './release/chooseEnvironment';
import { compareWithLive } from './release/compareWithLive';
import { promote } from './release/promote';
import { refresh } from './skills/refresh';
import { scaffoldSkill } from './skills/scaffoldSkill';
import { showDashboard } from './skills/showDashboard';
import { setWebhooks } from './insights/setWebhooks';
import { showInsights } from './insights/showInsights';
import { showLogs } from './skills/showLogs';
import { chooseTarget } from './target/chooseTarget';
import { setToken } from './target/setToken';
import { stopLocalPlatform } from './target/stopLocalPlatform';
import { merge } from './worktrees/merge';
import { openWorktreeInNewWindow } from './worktrees/openWorktreeInNewWindow';
import { openWorktreeTerminal } from './worktrees/openWorktreeTerminal';
import { removeWorktree } from './worktrees/removeWorktree';
import { revealWorktree } from './worktrees/revealWorktree';
import { setupWorktrees } from './worktrees/setupWorktrees';
import { syncWorktree } from './worktrees/syncWorktree';

// VS Code passes a command's arguments untyped; each handler declares the ones it takes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (ctx: CommandContext, ...args: any[]) => unknown;

/**
 * One entry per command, each in its own file; the record type makes a missing or unknown id a compile error.
 * This file is bundled into dist/lazy/deferred.js (loaded on a command's first use), never into dist/extension.js.
 */
export const HANDLERS: Record<CommandId, Handler> = {
  'odoobo.deploy': deploy,
  'odoobo.deployChosen': deployChosen,
  'odoobo.deployAll': deployAll,
  'odoobo.cancelDeploy': cancelDeploy,
  'odoobo.test': testSkills,
  'odoobo.rollback': rollback,
  'odoobo.rollbackToDeployment': rollbackToDeployment,
  'odoobo.promote': promote,
  'odoobo.compareWithLive': compareWithLive,
  'odoobo.openLiveUrl': openLiveUrl,
  'odoobo.restart': restart,
  'odoobo.openConsole': openConsole,
  'odoobo.scale': scale,
  'odoobo.setEnvVar': setEnvVar,
  'odoobo.setSecret': setSecret,
  'odoobo.unsetEnvVar': unsetEnvVar,
  'odoobo.showAlerts': showAlerts,
  'odoobo.merge': merge,
  'odoobo.setupWorktrees': setupWorktrees,
  'odoobo.removeWorktree': removeWorktree,
  'odoobo.openWorktreeInNewWindow': openWorktreeInNewWindow,
  'odoobo.revealWorktree': revealWorktree,
  'odoobo.openWorktreeTerminal': openWorktreeTerminal,
  'odoobo.syncWorktree': syncWorktree,
  'odoobo.validateAppSpec': validateAppSpec,
  'odoobo.replacePlaceholder': replacePlaceholder,
  'odoobo.setToken': setToken,
  'odoobo.chooseTarget': chooseTarget,
  'odoobo.chooseEnvironment': chooseEnvironment,
  'odoobo.stopLocalPlatform': stopLocalPlatform,
  'odoobo.showDashboard': showDashboard,
  'odoobo.showInsights': showInsights,
  'odoobo.setWebhooks': setWebhooks,
  'odoobo.showLogs': showLogs,
  'odoobo.refresh': refresh,
  'odoobo.scaffoldSkill': scaffoldSkill,
  'odoobo.runLocally': runLocally,
  'odoobo.stopLocalRun': stopLocalRun,
  'odoobo.invoke': invoke,
  'odoobo.debugLocally': debugLocally,
};
