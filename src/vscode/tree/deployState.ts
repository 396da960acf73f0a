/**
 * What the Skills tree, the status bar and the dashboard say about a skill's deploy state, as plain data (no `vscode`:
 * unit tests load it directly). One place decides when a skill reads "serving previous · last deploy failed".
 */
import type { DeployResult } from '../../core/deploy';
import type { SkillDeployAttempt, SkillDeployment } from '../../core/status';
import type { SmokeResult } from '../../core/smoke';

export type SkillPhase = 'deploying' | 'active' | 'failed' | 'canceled';

/** What the tree, the status bar and the commands show about a skill's deployment on the current target. */
export interface SkillDeployState {
  readonly phase: SkillPhase;
  /** The step or App Platform progress line in flight, e.g. `monitor: BUILDING 2/6`. */
  readonly detail?: string;
  readonly deploymentId?: string;
  readonly liveUrl?: string;
  readonly commit?: string;
  readonly at: number;
  /**
   * The last deploy failed or was canceled (or was rolled back), and the deployment that served before it still
   * serves at `liveUrl`. Absent when nothing served before: a first deploy that failed is plainly failed.
   */
  readonly servingPrevious?: boolean;
  readonly result?: DeployResult;
  readonly smoke?: SmokeResult;
}

/** After a deploy that did not go live: does the deployment that served before serve now (verified, or restored)? */
export function previousServesAfter(r: Pick<DeployResult, 'status' | 'previousStillServing' | 'rollback'>): boolean | undefined {
  if (r.status === 'succeeded') return undefined;
  if (r.previousStillServing === true) return true;
  return r.status === 'rolled-back' && r.rollback?.status === 'succeeded' ? true : undefined;
}

/** A skill's state from the status file: the last live deployment, and a later attempt that did not go live. */
export function stateFromRecords(d: SkillDeployment | undefined, attempt: SkillDeployAttempt | undefined): SkillDeployState | undefined {
  const deployedAt = d ? Date.parse(d.deployedAt) || Date.now() : 0;
  const attemptAt = attempt ? Date.parse(attempt.at) : NaN;
  if (attempt && Number.isFinite(attemptAt) && attemptAt >= deployedAt) {
    const phase: SkillPhase = attempt.status === 'canceled' ? 'canceled' : 'failed';
    const detail = attempt.code && attempt.step ? `${attempt.code} at ${attempt.step}` : undefined;
    // `d` is what served before the attempt (or what the rollback restored): it serves when the attempt says so.
    const servingPrevious = !!d && d.phase === 'ACTIVE' && attempt.previousStillServing === true ? true : undefined;
    const live = servingPrevious ? { liveUrl: d?.liveUrl, commit: d?.commit } : {};
    return { phase, ...(detail ? { detail } : {}), deploymentId: attempt.deploymentId, ...live, servingPrevious, at: attemptAt };
  }
  if (!d) return undefined;
  const phase: SkillPhase = d.phase === 'ACTIVE' ? 'active' : d.phase === 'CANCELED' ? 'canceled' : 'failed';
  return { phase, deploymentId: d.deploymentId, liveUrl: d.liveUrl, commit: d.commit, at: deployedAt };
}

/** How a skill's deploy state looks: `serving-previous` is a failed or canceled attempt with the previous one serving. */
export type DeployLook = 'deploying' | 'active' | 'serving-previous' | 'failed' | 'canceled';

export function lookOf(state: SkillDeployState): DeployLook {
  if (state.phase === 'deploying' || state.phase === 'active') return state.phase;
  return state.servingPrevious ? 'serving-previous' : state.phase;
}

/** `last deploy failed` / `last deploy canceled` / `last deploy rolled back`: what happened to the attempt. */
export function attemptWords(state: SkillDeployState): string {
  if (state.result?.status === 'rolled-back') return 'last deploy rolled back';
  return state.phase === 'canceled' ? 'last deploy canceled' : 'last deploy failed';
}

export interface DeployPresentation {
  /** For the tree item's description, e.g. `serving previous · last deploy failed 14:32`. */
  readonly text: string;
  /** A codicon id and a theme colour id. */
  readonly icon: string;
  readonly color?: string;
  /** One line for the tooltip. */
  readonly tooltip: string;
}

const WARNING_COLOR = 'list.warningForeground';

/** The tree's words and icon for a skill's deploy state; `time` formats when it settled (`14:32`). */
export function presentDeploy(state: SkillDeployState, time: (at: number) => string): DeployPresentation {
  const look = lookOf(state);
  const why = state.detail ? ` (${state.detail})` : '';
  switch (look) {
    case 'deploying':
      return { text: `deploying${why}`, icon: 'sync~spin', tooltip: `deploying${state.detail ? ` — ${state.detail}` : ''}` };
    case 'active':
      return { text: `active ${time(state.at)}`, icon: 'pass-filled', color: 'testing.iconPassed', tooltip: 'active' };
    case 'serving-previous': {
      const words = attemptWords(state);
      const where = state.liveUrl ? ` at ${state.liveUrl}` : '';
      return {
        text: `serving previous · ${words} ${time(state.at)}`,
        icon: 'warning',
        color: WARNING_COLOR,
        tooltip: `serving the previous deployment${where} · ${words}${why}`,
      };
    }
    case 'failed': {
      const tooltip = `failed${why}; nothing serves from an earlier deployment`;
      return { text: `failed ${time(state.at)}`, icon: 'error', color: 'testing.iconFailed', tooltip };
    }
    case 'canceled':
      return { text: `canceled ${time(state.at)}`, icon: 'circle-slash', tooltip: `canceled${why}` };
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Status bar

/** Which App Platform the counts are about: the local one (and its URL once connected) or DigitalOcean. */
export interface TargetView {
  readonly target: 'local' | 'digitalocean';
  readonly apiUrl?: string;
}

export function targetLine(t: TargetView): string {
  if (t.target === 'digitalocean') return `Odoobo Skills — DigitalOcean App Platform${t.apiUrl ? ` (${t.apiUrl})` : ''}`;
  return `Odoobo Skills — local App Platform (${t.apiUrl ?? 'not connected yet'})`;
}

export interface StatusSummary {
  readonly deploying: number;
  /** Skills that serve: active ones and those whose previous deployment serves after a failed attempt. */
  readonly serving: number;
  /** Of `serving`: the last deploy failed or was canceled, the previous deployment serves. */
  readonly servingPrevious: number;
  /** Failed with nothing serving. */
  readonly failed: number;
  readonly text: string;
  readonly tooltip: string;
  readonly severity?: 'error' | 'warning';
}

/** The status bar: `$(check) 5  $(warning) 1` (what serves, of which serving the previous deployment), failures. */
export function summarize(skills: readonly { name: string; state?: SkillDeployState }[], target: TargetView): StatusSummary {
  let deploying = 0;
  let serving = 0;
  let servingPrevious = 0;
  let failed = 0;
  const lines: string[] = [];
  for (const { name, state } of skills) {
    if (!state) {
      lines.push(`${name}: not deployed`);
      continue;
    }
    const look = lookOf(state);
    if (look === 'deploying') deploying++;
    else if (look === 'active') serving++;
    else if (look === 'serving-previous') {
      serving++;
      servingPrevious++;
    } else if (look === 'failed') failed++;
    const detail = state.detail ? ` — ${state.detail}` : '';
    const url = state.liveUrl && (look === 'active' || look === 'serving-previous') ? ` · ${state.liveUrl}` : '';
    const what =
      look === 'serving-previous' ? `serving the previous deployment (${attemptWords(state)}${detail})` : `${state.phase}${detail}`;
    lines.push(`${name}: ${what}${url}`);
  }
  const parts = [
    deploying ? `$(sync~spin) ${deploying}` : '',
    `$(check) ${serving}`,
    servingPrevious ? `$(warning) ${servingPrevious}` : '',
    failed ? `$(error) ${failed}` : '',
  ].filter(Boolean);
  const counts = [`${serving} serving`];
  if (servingPrevious) counts.push(`${servingPrevious} of them serving the previous deployment after a failed deploy`);
  if (failed) counts.push(`${failed} failed`);
  if (deploying) counts.push(`${deploying} deploying`);
  const severity = failed ? 'error' : servingPrevious ? 'warning' : undefined;
  return {
    deploying,
    serving,
    servingPrevious,
    failed,
    text: parts.join('  '),
    tooltip: [targetLine(target), counts.join(' · '), '', ...lines].join('\n'),
    ...(severity ? { severity } : {}),
  };
}
