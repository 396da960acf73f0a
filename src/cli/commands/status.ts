import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorktreeStatus, exportWorktreeStatus, type ExportedSkill, type WorktreeStatusExport } from '../../core/status/exportStatus';
import type { CliCommand, CliIO } from '../command';
import { styleFor } from '../ui/style';
import { formatAgoIso } from '../../core/util/timeText';
import { formatTable } from '../ui/table';
import { COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, printJson, reportFailure, requireRepository, workDir } from './common';

const HELP = `Usage: odoobo status [options]

Shows every skill: its branch and worktree (dirty, ahead/behind its upstream), and its last deployment, test and
merge as recorded in the status file (<git-common-dir>/odoobo/status.json, shared by all worktrees). Reads only
local files and git; it does not ask the App Platform.

Options:
  --json                         print the status as one JSON document (the WORKTREE_STATUS.json format)
  --export <file>                also write it to <file> (e.g. WORKTREE_STATUS.json), atomically
${DIR_HELP}
${HELP_HELP}

JSON: {"format":"odoobo-worktree-status","version":1,"generated_at","repository","main_branch","skills":{"<name>":{
"branch","branch_exists","worktree","worktree_exists","head","dirty","changed_files","upstream","ahead","behind",
"locked","prunable","last_deployment":{…}|null,"last_test":{…}|null,"last_merge":{…}|null}}}

${exitCodesHelp('the repository or the status file could not be read', { target: false })}
`;

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '');

function worktreeCell(s: ExportedSkill, root: string): string {
  if (!s.worktree) return s.branch_exists ? '(branch only)' : '-';
  const rel = path.relative(path.dirname(root), s.worktree);
  return (s.worktree_exists ? '' : '(missing) ') + (rel.startsWith('..') ? s.worktree : rel);
}

function stateCell(s: ExportedSkill): string {
  const parts: string[] = [];
  if (s.dirty) parts.push(`${s.changed_files ?? ''} changed`.trim());
  else if (s.dirty === false) parts.push('clean');
  if (s.ahead) parts.push(`↑${s.ahead}`);
  if (s.behind) parts.push(`↓${s.behind}`);
  if (s.upstream === null && s.branch_exists) parts.push('no upstream');
  if (s.locked) parts.push('locked');
  if (s.prunable) parts.push('prunable');
  return parts.join(' ');
}

function render(io: CliIO, data: WorktreeStatusExport): void {
  const st = styleFor(io);
  const names = Object.keys(data.skills);
  io.out(`${data.repository} (main branch ${data.main_branch})`);
  if (!names.length) {
    io.out('no skills (skills/<name>/manifest.json)');
    return;
  }
  const rows = names.map((name) => {
    const s = data.skills[name];
    const d = s.last_deployment;
    const t = s.last_test;
    const m = s.last_merge;
    const phase = d ? (d.phase === 'ACTIVE' ? st.green(d.phase) : d.phase === 'ERROR' ? st.red(d.phase) : d.phase) : '';
    const test = t ? (t.status === 'passed' ? st.green(t.status) : st.red(t.status)) : '';
    return [
      name,
      worktreeCell(s, data.repository),
      stateCell(s),
      d ? `${phase} ${d.target} ${short(d.commit)} ${formatAgoIso(d.deployed_at)}` : '-',
      t ? `${test}${t.passed !== null && t.failed !== null ? ` ${t.passed}/${t.passed + t.failed}` : ''} ${formatAgoIso(t.at)}` : '-',
      m ? `${short(m.merge_commit)} ${formatAgoIso(m.at)}` : '-',
    ];
  });
  for (const l of formatTable([{ header: 'SKILL' }, { header: 'WORKTREE', maxWidth: 50 }, { header: 'STATE' }, { header: 'LAST DEPLOYMENT' }, { header: 'LAST TEST' }, { header: 'LAST MERGE' }], rows, st.bold)) io.out(l);
}

export const status: CliCommand = {
  path: ['status'],
  summary: 'skills, worktrees and their last deployment, test and merge',
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...COMMON_OPTIONS, export: { type: 'string' } } });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const root = await requireRepository(await workDir(values.directory));
    try {
      let data: WorktreeStatusExport;
      let warnings: string[];
      if (values.export) {
        const r = await exportWorktreeStatus(root, path.resolve(values.directory ?? process.cwd(), values.export));
        ({ data, warnings } = r);
        (values.json ? io.err : io.out)(`wrote ${r.file}`);
      } else {
        ({ data, warnings } = await buildWorktreeStatus(root));
      }
      for (const w of warnings) io.err(`warning: ${w}`);
      if (values.json) printJson(io, data);
      else render(io, data);
      return EXIT.OK;
    } catch (e) {
      return reportFailure(io, 'status', e, values.json);
    }
  },
};
