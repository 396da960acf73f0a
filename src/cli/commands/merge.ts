import { parseArgs } from 'node:util';
import { EnvironmentError, loadEnvironments } from '../../core/environments';
import { GIT_FLOW_MITIGATIONS, mergeSkills, type MergeResult } from '../../core/git/flows';
import type { MergeOptions } from '../../core/git/flows/mergeTypes';
import { parseTargetName } from '../../core/target';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { withLogDir } from '../ui/runLog';
import { styleFor } from '../ui/style';
import { mergeReady } from './mergeAll';
import {
  COMMON_OPTIONS,
  DIR_HELP,
  errorJson,
  EXIT,
  exitCodesHelp,
  HELP_HELP,
  JSON_HELP,
  loadRepoSkills,
  printJson,
  reportFailure,
  requireRepository,
  withCancellation,
  workDir,
} from './common';

const HELP = `Usage: odoobo merge [skills…] [options]

Merges each skill's branch skill/<name> into the main branch (git merge --no-ff in the main worktree), one after
another, only when every precondition holds: the branch exists, its latest recorded deployment is ACTIVE and was built
from the branch's HEAD, the last smoke-test run of that deployment did not fail (SMOKE_TESTS_FAILED), the skill's
worktree and the main worktree are clean, the main worktree is on the main branch, no rebase or merge is in progress,
and the merge does not conflict. A refusal lists every unmet precondition and
changes nothing. The merge commit carries the deployment as trailers (Deployment-Id, App-Id, Live-URL, …).
With no skill named, every skill is checked: those that pass every precondition are merged, the others are listed
with what they lack (and are not a failure).

Options:
  --target <local|digitalocean>  the deployment that must be live is the latest one on this target (default: any)
  --env <name>                   the environment whose deployment must be live (default: mergeGate in
                                 infra/environments.yaml, else the default environment)
  --push                         push the main branch to origin after merging
  --cleanup                      remove the skill's worktree after merging (refused when it holds unsaved work)
  --delete-branch                with --cleanup: also delete the merged branch (git branch -d)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"merge","ok","exitCode","notReady":[{"skill","unmet":[{"code","message"}]}] (no skill named),
"results":[{"skill","status":"merged|already-merged|refused|failed",
"mergeCommit","skillHead","mainBranch","deployment","checks":[{"code","status","message"}],"unmet":[{"code","message"}],
"push","pushError","cleanup","cleanupError","error"}]}

${exitCodesHelp('a skill was refused (e.g. NO_DEPLOYMENT) or its merge failed', { target: false })}
`;

function line(io: CliIO, r: MergeResult): void {
  const s = styleFor(io);
  switch (r.status) {
    case 'merged':
      io.out(
        `${s.green('✓')} ${r.skill}: merged into ${r.mainBranch} as ${r.mergeCommit.slice(0, 12)} (deployment ` +
        `${r.deployment.deploymentId} on ${r.deployment.target})`,
      );
      if (r.push) io.out(`  push of ${r.mainBranch}: ${r.push}`);
      if (r.pushError) io.out(`  ${s.yellow('push failed')}: ${r.pushError.code}: ${r.pushError.message}`);
      if (r.cleanup) {
        const kept = r.cleanup.branchKept ? `, kept the branch (${r.cleanup.branchKept})` : '';
        io.out(
          `  cleanup: ${r.cleanup.removed ? `removed ${r.cleanup.path}` : 'no worktree to remove'}` +
          `${r.cleanup.branchDeleted ? `, deleted ${r.cleanup.branch}` : kept}`,
        );
      }
      if (r.cleanupError) io.out(`  ${s.yellow('cleanup refused')}: ${r.cleanupError.code}: ${r.cleanupError.message}`);
      if (r.statusWarning) io.err(`warning: ${r.skill}: ${r.statusWarning}`);
      break;
    case 'already-merged':
      io.out(`${s.green('✓')} ${r.skill}: already merged into ${r.mainBranch}${r.push ? ` (push: ${r.push})` : ''}`);
      if (r.pushError) io.out(`  ${s.yellow('push failed')}: ${r.pushError.code}: ${r.pushError.message}`);
      break;
    case 'refused':
      io.out(`${s.red('✗')} ${r.skill}: refused; ${r.unmet.length} unmet precondition${r.unmet.length === 1 ? '' : 's'}:`);
      for (const u of r.unmet) {
        io.out(`  ${u.code}: ${u.message}`);
        io.out(`    → ${GIT_FLOW_MITIGATIONS[u.code]}`);
      }
      break;
    case 'failed':
      io.out(`${s.red('✗')} ${r.skill}: ${r.error.code}: ${r.error.message.replace(` ${r.error.mitigation}`, '')}`);
      io.out(`  → ${r.error.mitigation}`);
      break;
  }
}

function toJson(r: MergeResult): unknown {
  if (r.status === 'failed') return { skill: r.skill, status: r.status, error: errorJson(r.error) };
  if (r.status === 'refused') return r;
  if (r.status === 'already-merged') return { ...r, pushError: r.pushError && errorJson(r.pushError) };
  return { ...r, pushError: r.pushError && errorJson(r.pushError), cleanupError: r.cleanupError && errorJson(r.cleanupError) };
}

const mergeCommand: CliCommand = {
  path: ['merge'],
  summary: 'merge deployed skill branches into the main branch',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        target: { type: 'string' },
        env: { type: 'string' },
        push: { type: 'boolean' },
        cleanup: { type: 'boolean' },
        'delete-branch': { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (values['delete-branch'] && !values.cleanup) throw new UsageError('--delete-branch needs --cleanup');
    let target: string | undefined;
    try {
      target = parseTargetName(values.target);
    } catch (e) {
      throw new UsageError((e as Error).message + ' Use --target local or --target digitalocean.');
    }
    const root = await requireRepository(await workDir(values.directory));
    // An unknown --env (or a broken environments file) is wrong usage, named before anything is checked.
    let environment: string;
    try {
      const envs = await loadEnvironments(root);
      environment = envs.get(values.env ?? envs.mergeGate).name;
    } catch (e) {
      if (e instanceof EnvironmentError) throw new UsageError(e.message);
      throw e;
    }
    const all = positionals.length ? undefined : await loadRepoSkills(root, io);

    return withCancellation(io, async (signal) => {
      try {
        const options: MergeOptions = {
          signal,
          target,
          environment,
          push: values.push,
          cleanup: values.cleanup,
          deleteBranch: values['delete-branch'],
          onProgress: values.json
            ? undefined
            : (p) =>
                p.step === 'merge' || p.step === 'push' || p.step === 'remove'
                  ? io.err(`${p.skill ? `${p.skill}: ` : ''}${p.message}`)
                  : undefined,
        };
        const bulk = all ? await mergeReady(root, all, options, io, values.json === true) : undefined;
        const results = bulk ? bulk.results : await mergeSkills(root, positionals, options);
        const canceled = results.some((r) => r.status === 'failed' && r.error.code === 'ABORTED');
        const ok = results.every((r) => r.status === 'merged' || r.status === 'already-merged');
        const exitCode = canceled ? EXIT.CANCELED : ok ? EXIT.OK : EXIT.FAILED;
        const notReady = bulk ? { notReady: bulk.notReady } : {};
        if (values.json) printJson(io, { command: 'merge', ok, exitCode, results: results.map(toJson), ...notReady });
        else {
          for (const r of results) line(io, r);
        }
        return exitCode;
      } catch (e) {
        return reportFailure(io, 'merge', e, values.json);
      }
    });
  },
};

/** With --log-dir: one log file per run. */
export const merge = withLogDir(mergeCommand);
