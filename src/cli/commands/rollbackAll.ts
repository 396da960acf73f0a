/**
 * `odoobo rollback` with no skill, as the parallel-deployment guide's script did: every skill whose latest deployment
 * failed after going live (the history) or whose live version fails its health check is listed, then, once
 * confirmed (`--yes` without a terminal), rolled back to its newest SUPERSEDED deployment, one after another.
 */
import * as readline from 'node:readline';
import {
  checkHealth, DeployError, listRollbackTargets, rollbackSkill, type RollbackResult, type SkillRollbackOptions,
} from '../../core/deploy';
import { appNameFor, EnvironmentError, loadEnvironments, type EnvironmentDef } from '../../core/environments';
import { gitCommonDir } from '../../core/git/git';
import { loadHistory } from '../../core/history/read';
import { failedAfterLive } from '../../core/incidents/candidates';
import { alertsFromEnv } from '../../core/notify/alerts';
import type { Skill } from '../../core/skills/loadSkills';
import { mapLimit } from '../../core/util/concurrency';
import { UsageError, type CliIO } from '../command';
import { isInteractive } from '../ui/style';
import { appNameOf, EXIT, loadRepoSkills, openTarget, printJson, reportFailure, withCancellation } from './common';

export interface RollbackAllValues {
  env?: string;
  yes?: boolean;
  commit?: boolean;
  json?: boolean;
  to?: string;
  unpin?: boolean;
  revert?: boolean;
  target?: string;
  'api-url'?: string;
}

interface Candidate {
  skill: string;
  reasons: string[];
}

async function environmentOf(root: string, name: string | undefined): Promise<{ env: EnvironmentDef; defaultName: string }> {
  try {
    const envs = await loadEnvironments(root);
    return { env: envs.get(name), defaultName: envs.defaultName };
  } catch (e) {
    if (e instanceof EnvironmentError) throw new UsageError(e.message);
    throw e;
  }
}

async function confirm(question: string, signal: AbortSignal): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<boolean>((resolve) => {
      signal.addEventListener('abort', () => resolve(false), { once: true });
      rl.question(question, (a) => resolve(/^y(es)?$/i.test(a.trim())));
    });
  } finally {
    rl.close();
  }
}

export async function rollbackAll(values: RollbackAllValues, io: CliIO, dir: string, root: string): Promise<number> {
  const flags = (['to', 'unpin', 'revert'] as const).filter((f) => values[f]);
  if (flags.length) throw new UsageError(`--${flags[0]} needs a skill: name one, e.g. \`odoobo rollback pr-review --${flags[0]}\``);
  const { env, defaultName } = await environmentOf(root, values.env);
  const skills = await loadRepoSkills(root, io);
  const askable = isInteractive(io) && process.stdin.isTTY === true;
  if (!values.yes && !askable) throw new UsageError('add --yes to roll back every failed skill without a terminal to confirm on');
  const common = await gitCommonDir(root);
  const history = common ? await loadHistory(common, defaultName) : { records: [] };
  const fromHistory = failedAfterLive(history.records, env.name);

  return withCancellation(io, async (signal) => {
    let target: Awaited<ReturnType<typeof openTarget>> | undefined;
    const candidates: Candidate[] = [];
    const results: Array<{ skill: string; result: RollbackResult }> = [];
    const done = (exitCode: number) => {
      const ok = exitCode === EXIT.OK;
      if (values.json) printJson(io, { command: 'rollback', ok, exitCode, environment: env.name, candidates, results });
      return exitCode;
    };
    try {
      target = await openTarget(values, io, dir);
      const client = target.client;
      // What each skill serves now, and whether its health path answers.
      const live = await mapLimit(skills, 5, async (s: Skill) => {
        const app = await client.findAppByName(appNameFor(env, await appNameOf(s), s.name), { signal });
        if (!app?.live_url) return undefined;
        const h = await checkHealth(app.live_url, s.manifest.healthPath, { timeoutMs: 5_000, signal });
        return h.ok ? undefined : `its live version fails its health check (${s.manifest.healthPath}: ${h.status ?? h.detail})`;
      });
      skills.forEach((s, i) => {
        const reasons = [fromHistory.get(s.name), live[i]].filter((r): r is string => !!r);
        if (reasons.length) candidates.push({ skill: s.name, reasons });
      });
      if (!values.json) {
        io.out(candidates.length ? `To roll back in ${env.name} (${candidates.length}):` : `Nothing to roll back in ${env.name}.`);
        for (const c of candidates) io.out(`  ${c.skill}: ${c.reasons.join('; ')}`);
      }
      if (!candidates.length) return done(EXIT.OK);
      if (!values.yes && !(await confirm(`Roll back ${candidates.length} skill(s)? [y/N] `, signal))) {
        io.err('odoobo rollback: not confirmed; nothing changed');
        return signal.aborted ? EXIT.CANCELED : EXIT.FAILED;
      }
      const alerts = await alertsFromEnv(io.env, root);
      for (const c of candidates) {
        if (signal.aborted) break;
        const base: SkillRollbackOptions = {
          repoRoot: root, client, target: target.target, environment: env.name, skill: c.skill, signal, alerts,
        };
        const [to] = await listRollbackTargets(base).catch(() => []);
        if (!to) {
          const why = `${c.skill} has no earlier (SUPERSEDED) deployment on ${target.target} to roll back to.`;
          const error = new DeployError('NO_PREVIOUS_DEPLOYMENT', why, { step: 'rollback-validate' }).toJSON();
          results.push({ skill: c.skill, result: { status: 'failed', appId: '', pinned: false, steps: [], error } });
        } else {
          const result = await rollbackSkill({ ...base, deploymentId: to.id, acceptWarnings: true, commit: values.commit });
          results.push({ skill: c.skill, result });
        }
        const { result: r } = results[results.length - 1];
        if (!values.json) {
          const pinned = r.pinned ? ' (pinned)' : '';
          const what = r.status === 'succeeded' ? `rolled back to ${r.toDeploymentId}${pinned}` : `${r.error?.code}: ${r.error?.message}`;
          io.out(`${r.status === 'succeeded' ? '✓' : '✗'} ${c.skill}: ${what}`);
        }
      }
      if (signal.aborted) return done(EXIT.CANCELED);
      return done(results.every((x) => x.result.status === 'succeeded') ? EXIT.OK : EXIT.FAILED);
    } catch (e) {
      return reportFailure(io, 'rollback', e, values.json, { environment: env.name, candidates });
    } finally {
      await target?.close();
    }
  });
}
