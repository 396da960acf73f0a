import { parseArgs } from 'node:util';
import { GitHubClient } from '../../core/github/client';
import { GitHubError } from '../../core/github/errors';
import {
  previewAppName, previewCommentRow, previewDown, previewList, previewUp, type PreviewDownResult,
} from '../../core/release/preview';
import { previewCommentBody, PREVIEW_MARKER, type PreviewCommentInput, type PreviewCommentRow } from '../../core/release/previewComment';
import { formatAgo } from '../../core/util/timeText';
import { mapLimit } from '../../core/util/concurrency';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { formatTable } from '../ui/table';
import {
  appNameOf,
  COMMON_OPTIONS,
  describeFailure,
  DIR_HELP,
  EXIT,
  exitCodesHelp,
  HELP_HELP,
  JSON_HELP,
  loadRepoSkills,
  openTarget,
  printJson,
  reportFailure,
  requireRepository,
  selectSkills,
  TARGET_HELP,
  TARGET_OPTIONS,
  withCancellation,
  workDir,
} from './common';

const COMMENT_HELP = `  --comment                      post or update the pull request's preview comment (one per pull request, found by
                                 its hidden marker): token $GITHUB_TOKEN, repository $GITHUB_REPOSITORY (owner/name),
                                 API $GITHUB_API_URL (default https://api.github.com), as a GitHub workflow sets them`;

const UP_HELP = `Usage: odoobo preview up <skills…> --pr <n> [options]

Deploys, for each skill, the preview app <app>-pr-<n> of pull request <n>: the skill's app spec with preview-safe
settings (smallest instance size, one instance, no domains, no alerts), built from the pull request's branch, through
the same procedure as \`odoobo deploy\` (lint, validate, deploy, health, smoke tests). Prints each preview's URL.
Deploying again updates the preview in place. With --comment, a pull request from a fork gets no preview (its
workflow has no secrets) and the comment says so; the skills may then be omitted (nothing is deployed, the comment
says no skill changed, or that forks get no preview).

Options:
  --pr <n>                       the pull request's number (required)
  --branch <branch>              the branch the previews build from (default: with --comment the pull request's head
                                 branch, else skill/<name>)
${COMMENT_HELP}
  --no-smoke                     skip the smoke tests
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"preview up","ok","exitCode","pr","fork","results":[{"skill","app","status","liveUrl","commit","branch",
"smoke":{"passed","total"},"error":{"code","step","message","mitigation"}}],"comment":{"id","url","created"}}

${exitCodesHelp('a preview failed to deploy or its smoke tests failed')}
`;

const DOWN_HELP = `Usage: odoobo preview down <skills…> --pr <n> [options]
       odoobo preview down --all --pr <n> [options]

Deletes the preview apps of pull request <n> (and their records in the status file). A preview that does not exist is
not an error. --all deletes every app of the target named *-pr-<n>, whatever skill it came from.

Options:
  --pr <n>                       the pull request's number (required)
  --all                          every preview of the pull request
${COMMENT_HELP}
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"preview down","ok","exitCode","pr","results":[{"skill","app","deleted","appId","error"}],"comment":{…}}

${exitCodesHelp('a preview could not be deleted')}
`;

const LIST_HELP = `Usage: odoobo preview list [options]

Lists the preview apps of the target (apps named <app>-pr-<n>) with their pull request, age and URL, oldest first.

Options:
  --pr <n>                       only the previews of this pull request
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"preview list","ok","exitCode","previews":[{"app","base","pr","appId","liveUrl","createdAt","ageMs"}]}

${exitCodesHelp('never (errors only)')}
`;

function parsePr(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--pr <n> is required: the pull request\'s number');
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new UsageError(`--pr expects a pull request number (1, 2, …), got "${value}"`);
  return Number(value);
}

/** The pull request's repository and a GitHub client, from the environment a workflow sets. */
function gitHubFrom(io: CliIO): { client: GitHubClient; owner: string; repo: string } {
  const repository = io.env.GITHUB_REPOSITORY?.trim();
  if (!io.env.GITHUB_TOKEN?.trim()) {
    throw new UsageError('--comment needs $GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})');
  }
  if (!repository) throw new UsageError('--comment needs $GITHUB_REPOSITORY, the repository as owner/name');
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!m) throw new UsageError(`$GITHUB_REPOSITORY must be owner/name, got "${repository}"`);
  return { client: new GitHubClient({ env: io.env }), owner: m[1], repo: m[2] };
}

type Comment = { id: number; url: string; created: boolean };

async function postComment(
  gh: ReturnType<typeof gitHubFrom>,
  pr: number,
  input: PreviewCommentInput,
  io: CliIO,
): Promise<Comment | { error: { code: string; message: string; mitigation?: string } }> {
  try {
    const body = previewCommentBody(input);
    const { comment, created } = await gh.client.upsertMarkedComment(gh.owner, gh.repo, pr, PREVIEW_MARKER, body);
    io.err(`${created ? 'posted' : 'updated'} the preview comment on #${pr}: ${comment.html_url}`);
    return { id: comment.id, url: comment.html_url, created };
  } catch (e) {
    const error = e instanceof GitHubError ? { code: e.code, message: e.message, mitigation: e.mitigation } : describeFailure(e);
    io.err(`error: the preview comment on #${pr} was not posted: ${error.code}: ${error.message}`);
    if (error.mitigation) io.err(`  → ${error.mitigation}`);
    return { error: { code: error.code, message: error.message, mitigation: error.mitigation } };
  }
}

export const previewUpCommand: CliCommand = {
  path: ['preview', 'up'],
  summary: 'deploy the preview apps of a pull request (<app>-pr-<n>)',
  help: UP_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, pr: { type: 'string' }, branch: { type: 'string' }, comment: { type: 'boolean' },
        'no-smoke': { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(UP_HELP);
      return EXIT.OK;
    }
    const pr = parsePr(values.pr);
    if (values.branch !== undefined && !values.branch.trim()) throw new UsageError('--branch expects a branch name');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const commentOnly = !!values.comment && positionals.length === 0;
    const skills = commentOnly ? [] : selectSkills(await loadRepoSkills(root, io), positionals, false).map((s) => s.name);
    // Every preview's name first: one App Platform would refuse stops the command before anything is deployed.
    for (const skill of skills) await previewAppName(root, skill, pr).catch((e: Error) => Promise.reject(new UsageError(e.message)));
    const gh = values.comment ? gitHubFrom(io) : undefined;
    try {
      let branch = values.branch;
      if (gh) {
        const info = await gh.client.getPullRequest(gh.owner, gh.repo, pr);
        if (info.fromFork) {
          io.err(`#${pr} comes from a fork (${info.headRepo ?? 'deleted repository'}): no previews are built for forks`);
          const comment = await postComment(gh, pr, { kind: 'fork', pr }, io);
          const exitCode = 'error' in comment ? EXIT.FAILED : EXIT.OK;
          const ok = exitCode === EXIT.OK;
          if (values.json) printJson(io, { command: 'preview up', ok, exitCode, pr, fork: true, results: [], comment });
          return exitCode;
        }
        branch ??= info.headRef;
        if (commentOnly) {
          const comment = await postComment(gh, pr, { kind: 'previews', pr, rows: [] }, io);
          const exitCode = 'error' in comment ? EXIT.FAILED : EXIT.OK;
          const ok = exitCode === EXIT.OK;
          if (values.json) printJson(io, { command: 'preview up', ok, exitCode, pr, fork: false, results: [], comment });
          return exitCode;
        }
      }
      return await withCancellation(io, async (signal) => {
        const t = await openTarget(values, io, dir);
        try {
          const results = await mapLimit(skills, 5, async (skill) => {
            io.err(`${skill}: deploying the preview of #${pr} from ${branch ?? `skill/${skill}`} to ${t.target}`);
            const options = { repoRoot: root, client: t.client, target: t.target, signal, smoke: !values['no-smoke'] };
            const r = await previewUp(skill, pr, branch, options);
            io.err(`${skill}: ${r.status}${r.liveUrl ? ` ${r.liveUrl}` : ''}${r.error ? ` - ${r.error.code}: ${r.error.message}` : ''}`);
            return r;
          });
          const repository = gh ? `${gh.owner}/${gh.repo}` : undefined;
          const rows = results.map(previewCommentRow);
          const comment = gh ? await postComment(gh, pr, { kind: 'previews', pr, rows, repository }, io) : undefined;
          const failed = results.some((r) => r.status !== 'succeeded') || (comment !== undefined && 'error' in comment);
          const exitCode = failed ? EXIT.FAILED : EXIT.OK;
          if (values.json) {
            printJson(io, {
              command: 'preview up', ok: !failed, exitCode, pr, fork: false,
              results: results.map((r) => ({
                skill: r.skill, app: r.app, status: r.status, liveUrl: r.liveUrl, commit: r.commit, branch: r.branch,
                smoke: previewCommentRow(r).smoke, error: r.error, warnings: r.warnings,
              })),
              comment,
            });
          } else {
            const table = results.map((r) => {
              const row = previewCommentRow(r);
              const smoke = row.smoke ? `${row.smoke.passed}/${row.smoke.total}` : '–';
              return [r.skill, r.app, r.status, r.liveUrl ?? '', smoke, row.problem ?? ''];
            });
            const columns = ['SKILL', 'APP', 'STATUS', 'URL', 'SMOKE'].map((header) => ({ header }));
            for (const line of formatTable([...columns, { header: 'PROBLEM', maxWidth: 70 }], table)) io.out(line);
          }
          return exitCode;
        } finally {
          await t.close();
        }
      });
    } catch (e) {
      return reportFailure(io, 'preview up', e, values.json, { pr });
    } finally {
      await gh?.client.close();
    }
  },
};

export const previewDownCommand: CliCommand = {
  path: ['preview', 'down'],
  summary: 'delete the preview apps of a pull request',
  help: DOWN_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...TARGET_OPTIONS, pr: { type: 'string' }, all: { type: 'boolean' }, comment: { type: 'boolean' } },
    });
    if (values.help) {
      io.out(DOWN_HELP);
      return EXIT.OK;
    }
    const pr = parsePr(values.pr);
    if (values.all && positionals.length) throw new UsageError('give skill names or --all, not both');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const repoSkills = await loadRepoSkills(root, io);
    const named = values.all ? [] : selectSkills(repoSkills, positionals, false);
    const gh = values.comment ? gitHubFrom(io) : undefined;
    try {
      return await withCancellation(io, async (signal) => {
        const t = await openTarget(values, io, dir);
        try {
          const options = { repoRoot: root, client: t.client, signal };
          let results: Array<PreviewDownResult & { error?: ReturnType<typeof describeFailure> }>;
          if (values.all) {
            // The target's apps of this pull request, matched back to the repository's skills by their spec's name.
            const bySpec = new Map(await Promise.all(repoSkills.map(async (s) => [await appNameOf(s), s.name] as const)));
            const previews = await previewList({ client: t.client, signal, pr });
            results = await mapLimit(previews, 5, async (p) => {
              const skill = bySpec.get(p.base);
              try {
                if (skill) return await previewDown(skill, pr, options);
                await t.client.deleteApp(p.appId, { signal });
                return { skill: p.base, pr, app: p.app, deleted: true, appId: p.appId };
              } catch (e) {
                return { skill: skill ?? p.base, pr, app: p.app, deleted: false, appId: p.appId, error: describeFailure(e) };
              }
            });
          } else {
            results = await mapLimit(named, 5, async (s) => {
              try {
                return await previewDown(s.name, pr, options);
              } catch (e) {
                return { skill: s.name, pr, app: `${s.name}-pr-${pr}`, deleted: false, error: describeFailure(e) };
              }
            });
          }
          for (const r of results) {
            const done = r.deleted ? `deleted ${r.app}` : `no app ${r.app}`;
            const what = r.error ? `${r.app} not deleted: ${r.error.code}: ${r.error.message}` : done;
            io.err(`${r.skill}: ${what}`);
          }
          const rows: PreviewCommentRow[] = results.map((r) => ({
            skill: r.skill,
            app: r.app,
            status: r.error ? 'failed' : 'deleted',
            problem: r.error ? `${r.error.code}: ${r.error.message}` : undefined,
          }));
          // The comment names what was deleted or could not be; an absent preview is not news.
          const shown = rows.filter((r, i) => r.status === 'failed' || results[i].deleted);
          const comment = gh ? await postComment(gh, pr, { kind: 'closed', pr, rows: shown }, io) : undefined;
          const failed = results.some((r) => r.error) || (comment !== undefined && 'error' in comment);
          const exitCode = failed ? EXIT.FAILED : EXIT.OK;
          if (values.json) {
            printJson(io, {
              command: 'preview down', ok: !failed, exitCode, pr,
              results: results.map((r) => ({ skill: r.skill, app: r.app, deleted: r.deleted, appId: r.appId, error: r.error })),
              comment,
            });
          } else {
            const table = results.map((r) => [r.skill, r.app, r.error ? 'failed' : r.deleted ? 'deleted' : 'absent']);
            for (const line of formatTable([{ header: 'SKILL' }, { header: 'APP' }, { header: 'RESULT' }], table)) io.out(line);
          }
          return exitCode;
        } finally {
          await t.close();
        }
      });
    } catch (e) {
      return reportFailure(io, 'preview down', e, values.json, { pr });
    } finally {
      await gh?.client.close();
    }
  },
};

export const previewListCommand: CliCommand = {
  path: ['preview', 'list'],
  summary: 'list the preview apps and their age',
  help: LIST_HELP,
  async run(args, io) {
    const options = { ...COMMON_OPTIONS, ...TARGET_OPTIONS, pr: { type: 'string' } } as const;
    const { values } = parseArgs({ args, strict: true, allowPositionals: false, options });
    if (values.help) {
      io.out(LIST_HELP);
      return EXIT.OK;
    }
    const pr = values.pr === undefined ? undefined : parsePr(values.pr);
    const dir = await workDir(values.directory);
    try {
      const t = await openTarget(values, io, dir);
      try {
        const now = Date.now();
        const previews = await previewList({ client: t.client, pr, now });
        if (values.json) printJson(io, { command: 'preview list', ok: true, exitCode: EXIT.OK, target: t.target, previews });
        else if (!previews.length) io.out(`no preview apps on ${t.target}`);
        else {
          const age = (ms: number | undefined) => (ms === undefined ? '' : formatAgo(now - ms, now).replace(/ ago$/, ''));
          const rows = previews.map((p) => [p.app, `#${p.pr}`, age(p.ageMs), p.liveUrl ?? '']);
          for (const line of formatTable([{ header: 'APP' }, { header: 'PR' }, { header: 'AGE' }, { header: 'URL' }], rows)) io.out(line);
        }
        return EXIT.OK;
      } finally {
        await t.close();
      }
    } catch (e) {
      return reportFailure(io, 'preview list', e, values.json);
    }
  },
};
