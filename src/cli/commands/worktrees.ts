import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  GIT_FLOW_MITIGATIONS,
  GitFlowError,
  listSkillWorktrees,
  removeWorktree,
  setupWorktrees,
  type SetupOutcome,
} from '../../core/git/flows';
import type { Worktree } from '../../core/git/worktrees';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { LiveTable } from '../ui/liveTable';
import { styleFor } from '../ui/style';
import { formatTable } from '../ui/table';
import {
  COMMON_OPTIONS,
  DIR_HELP,
  errorJson,
  EXIT,
  exitCodesHelp,
  HELP_HELP,
  JSON_HELP,
  loadRepoSkills,
  parseConcurrency,
  printJson,
  reportFailure,
  requireRepository,
  selectSkills,
  withCancellation,
  workDir,
} from './common';

// -- setup ------------------------------------------------------------------------------------------------------

const SETUP_HELP = `Usage: odoobo worktrees setup [skills…] [options]

Sets up, for each skill, the branch skill/<name> (from origin's copy, else from the main branch), its worktree
<root>/<name> and its upstream on origin. Idempotent: what exists is reused and reported. Skills run in parallel.

Options:
  --all                          every skill (skills/<name>/manifest.json)
  --root <dir>                   folder for the worktrees (default: the sibling folder <repo>-worktrees; never inside
                                 the repository)
  --no-push                      do not push the branches to origin
  --allow-temp-root              allow a root inside the system temporary folder (its contents may be deleted)
  --concurrency <n>              skills set up at the same time (default 8)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"worktrees setup","ok","exitCode","root","mainBranch","outcomes":[{"skill","status":"created|reused|failed",
"branch","branchAction","path","worktreeAction","head","push","upstream","upstreamAction","error"}]}

${exitCodesHelp('a skill\'s worktree could not be set up', { target: false })}
`;

function setupLine(io: CliIO, o: SetupOutcome): string {
  const s = styleFor(io);
  if (o.status === 'failed') {
    return `${s.red('✗')} ${o.skill}: ${o.error?.code}: ${o.error?.message.replace(` ${o.error.mitigation}`, '')}`;
  }
  const bits = [
    `${o.branch} (${o.branchAction})`,
    `worktree ${o.worktreeAction}`,
    o.push ? `push ${o.push}` : undefined,
    o.upstream ? `upstream ${o.upstream}` : undefined,
  ];
  return `${s.green('✓')} ${o.skill}: ${o.status} ${o.path}; ${bits.filter(Boolean).join(', ')}`;
}

export const worktreesSetup: CliCommand = {
  path: ['worktrees', 'setup'],
  summary: 'create a branch and worktree per skill (idempotent)',
  help: SETUP_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        all: { type: 'boolean' },
        root: { type: 'string' },
        'no-push': { type: 'boolean' },
        'allow-temp-root': { type: 'boolean' },
        concurrency: { type: 'string' },
      },
    });
    if (values.help) {
      io.out(SETUP_HELP);
      return EXIT.OK;
    }
    const concurrency = parseConcurrency(values.concurrency, 8);
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const skills = selectSkills(await loadRepoSkills(root, io), positionals, values.all);

    return withCancellation(io, async (signal) => {
      const table = values.json
        ? undefined
        : new LiveTable(
            io,
            [{ header: 'SKILL' }, { header: 'STEP' }, { header: 'DETAIL', maxWidth: 90 }],
            skills.map((s) => s.name),
            { finalTableWhenPlain: false },
          );
      try {
        for (const s of skills) table?.update(s.name, [s.name, 'waiting'], { running: true });
        const report = await setupWorktrees(root, {
          skills: skills.map((s) => s.name),
          worktreeRoot: values.root ? path.resolve(dir, values.root) : undefined,
          allowTempRoot: values['allow-temp-root'],
          push: !values['no-push'],
          concurrency,
          signal,
          onProgress: (p) => {
            if (p.skill && table?.interactive)
              table.update(p.skill, [p.skill, p.step, p.message], { running: p.step !== 'done' && p.step !== 'failed' });
          },
        });
        const failed = report.outcomes.filter((o) => o.status === 'failed');
        const canceled = failed.some((o) => o.error?.code === 'ABORTED');
        const ok = failed.length === 0;
        const exitCode = canceled ? EXIT.CANCELED : ok ? EXIT.OK : EXIT.FAILED;
        if (table) {
          for (const o of report.outcomes) {
            table.update(o.skill, [o.skill, o.status, o.status === 'failed' ? `${o.error?.code}` : (o.path ?? '')], {
              plainLine: setupLine(io, o),
            });
          }
          table.finish();
          for (const o of failed) if (o.error) io.out(`  ${o.skill}: → ${o.error.mitigation}`);
          if (report.statusWarning) io.err(`warning: ${report.statusWarning}`);
          io.out(`worktrees in ${report.root} (main branch ${report.mainBranch.name})`);
        } else {
          printJson(io, {
            command: 'worktrees setup',
            ok,
            exitCode,
            root: report.root,
            mainBranch: report.mainBranch.name,
            outcomes: report.outcomes.map((o) => ({ ...o, error: o.error && errorJson(o.error) })),
            statusWarning: report.statusWarning,
          });
        }
        return exitCode;
      } catch (e) {
        table?.finish();
        return reportFailure(io, 'worktrees setup', e, values.json);
      }
    });
  },
};

// -- list -------------------------------------------------------------------------------------------------------

const LIST_HELP = `Usage: odoobo worktrees list [options]

Lists the repository's worktrees, the main one first: path, branch, skill, HEAD, uncommitted changes, ahead/behind
the upstream, locked and prunable (folder missing).

Options:
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"worktrees list","ok","exitCode","worktrees":[{"path","branch","skill","head","isMain","exists","dirty",
"changedFiles","upstream","ahead","behind","locked","prunable"}]}

${exitCodesHelp('the worktrees could not be listed', { target: false })}
`;

function worktreeJson(w: Worktree) {
  return {
    path: w.path,
    branch: w.branch ?? null,
    skill: w.skill ?? null,
    head: w.head ?? null,
    isMain: w.isMain,
    exists: w.exists,
    detached: w.detached,
    dirty: w.dirty ?? null,
    changedFiles: w.changedFiles ?? null,
    upstream: w.upstream ?? null,
    upstreamGone: w.upstreamGone ?? false,
    ahead: w.ahead ?? null,
    behind: w.behind ?? null,
    locked: w.locked,
    lockedReason: w.lockedReason ?? null,
    prunable: w.prunable,
    prunableReason: w.prunableReason ?? null,
  };
}

export const worktreesList: CliCommand = {
  path: ['worktrees', 'list'],
  summary: "list the repository's worktrees",
  help: LIST_HELP,
  async run(args, io) {
    const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: COMMON_OPTIONS });
    if (values.help) {
      io.out(LIST_HELP);
      return EXIT.OK;
    }
    const root = await requireRepository(await workDir(values.directory));
    try {
      const list = await listSkillWorktrees(root);
      if (values.json) {
        printJson(io, { command: 'worktrees list', ok: true, exitCode: EXIT.OK, worktrees: list.map(worktreeJson) });
        return EXIT.OK;
      }
      const s = styleFor(io);
      const rows = list.map((w) => {
        const state = [
          w.dirty ? s.yellow(`${w.changedFiles} changed`) : w.dirty === false ? 'clean' : '',
          w.ahead ? `↑${w.ahead}` : '',
          w.behind ? `↓${w.behind}` : '',
          w.upstreamGone ? 'upstream gone' : '',
          w.locked ? 'locked' : '',
          w.prunable ? s.red(`prunable${w.prunableReason ? ` (${w.prunableReason})` : ''}`) : '',
        ].filter(Boolean).join(' ');
        return [
          w.path + (w.isMain ? s.dim(' (main)') : ''),
          w.branch ?? (w.detached ? '(detached)' : ''),
          w.skill ?? '',
          w.head?.slice(0, 7) ?? '',
          state,
        ];
      });
      for (const l of formatTable(
        [{ header: 'PATH' }, { header: 'BRANCH' }, { header: 'SKILL' }, { header: 'HEAD' }, { header: 'STATE' }],
        rows,
        s.bold,
      ))
        io.out(l);
      return EXIT.OK;
    } catch (e) {
      return reportFailure(io, 'worktrees list', e, values.json);
    }
  },
};

// -- remove -----------------------------------------------------------------------------------------------------

const REMOVE_HELP = `Usage: odoobo worktrees remove <skill> [options]

Removes the skill's worktree. Refuses, listing every problem, when it holds uncommitted changes, git-ignored files
(.env, .venv/, local data: removing the folder deletes them), commits that are on no remote and not on the main branch,
an operation in progress (rebase, merge…), or is locked; --force removes anyway. Stale worktree entries are pruned.

Options:
  --force                        remove even with uncommitted, unpushed or git-ignored files (they are lost), or locked
  --delete-branch                also delete skill/<name>, only when it is merged into the main branch (git branch -d)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"worktrees remove","ok","exitCode","result":{"skill","branch","path","removed","forced","pruned",
"branchDeleted","branchKept"},"error":{"code","message","mitigation","problems":[{"code","message","files"}]}}

${exitCodesHelp('the removal was refused (e.g. DIRTY_WORKTREE, IGNORED_FILES, UNPUSHED_WORK) or failed', { target: false })}
`;

export const worktreesRemove: CliCommand = {
  path: ['worktrees', 'remove'],
  summary: "remove a skill's worktree (refuses to lose work)",
  help: REMOVE_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, force: { type: 'boolean' }, 'delete-branch': { type: 'boolean' } },
    });
    if (values.help) {
      io.out(REMOVE_HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo worktrees remove pr-review`');
    const root = await requireRepository(await workDir(values.directory));
    const [skill] = positionals;

    return withCancellation(io, async (signal) => {
      try {
        const r = await removeWorktree(root, skill, { force: values.force, deleteBranch: values['delete-branch'], signal });
        if (values.json) printJson(io, { command: 'worktrees remove', ok: true, exitCode: EXIT.OK, result: r });
        else {
          io.out(r.removed ? `removed ${r.path}${r.forced ? ' (forced)' : ''}` : `${skill} has no worktree`);
          if (r.pruned.length) io.out(`pruned stale entries: ${r.pruned.join(', ')}`);
          if (r.branchDeleted) io.out(`deleted ${r.branch}`);
          else if (r.branchKept) io.out(`kept ${r.branch}: ${r.branchKept}`);
          if (r.statusWarning) io.err(`warning: ${r.statusWarning}`);
        }
        return EXIT.OK;
      } catch (e) {
        if (e instanceof GitFlowError && e.code !== 'ABORTED' && e.code !== 'INVALID_SKILL_NAME') {
          const problems = e.problems.map((p) => ({
            code: p.code,
            message: p.message,
            files: p.files,
            mitigation: GIT_FLOW_MITIGATIONS[p.code],
          }));
          if (values.json) {
            printJson(io, { command: 'worktrees remove', ok: false, exitCode: EXIT.FAILED, error: { ...errorJson(e), problems } });
          } else {
            io.err(`odoobo worktrees remove: ${skill}: refused or failed:`);
            for (const p of problems) {
              io.err(`  ${p.code}: ${p.message}`);
              io.err(`    → ${p.mitigation}`);
            }
          }
          return EXIT.FAILED;
        }
        return reportFailure(io, 'worktrees remove', e, values.json);
      }
    });
  },
};
