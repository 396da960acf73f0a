/**
 * infra/github/deploy-skills.yml: the GitHub Actions workflow users copy. Its structure (triggers, checkout with full
 * history, Node 20, npm ci, secrets, summary, rollback on failure), and every `odoobo` subcommand and flag its run lines
 * use exists in the CLI (checked against the registered commands and their --help).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { CliCommand } from '../../../src/cli/command';
import { COMMANDS } from '../../../src/cli/commands/index';
import { REPO_DIR } from '../../builders/paths';

const REPO_ROOT = REPO_DIR;
const FILE = path.join(REPO_ROOT, 'infra', 'github', 'deploy-skills.yml');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

const workflow = parseYaml(readFileSync(FILE, 'utf8')) as {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    { 'runs-on': string; steps: Step[]; env?: Record<string, string>; if?: string; permissions?: Record<string, string> }
  >;
};
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const runs = steps.filter((s) => typeof s.run === 'string');

/** Every `npx odoobo …` / `odoobo …` invocation in the run scripts, as words (until a redirection or operator). */
function odooboInvocations(script: string): string[][] {
  const joined = script.replace(/\\\n/g, ' ');
  const out: string[][] = [];
  for (const line of joined.split('\n')) {
    const code = line.replace(/^\s*#.*$/, '');
    const re = /(?:^|[\s;&|(])(?:npx\s+)?odoobo\s+([^\n]*)/g;
    for (let m = re.exec(code); m; m = re.exec(code)) {
      const words: string[] = [];
      for (const raw of m[1].trim().split(/\s+/)) {
        if (/^(\d?>>?|\||\|\||&&|;|\)|2>&1)$/.test(raw) || raw.startsWith('>')) break;
        words.push(raw.replace(/^["']|["']$/g, ''));
      }
      out.push(words);
    }
  }
  return out;
}

function commandFor(words: string[]): { command?: CliCommand; rest: string[] } {
  const command = [...COMMANDS].sort((a, b) => b.path.length - a.path.length).find((c) => c.path.every((w, i) => words[i] === w));
  return { command, rest: command ? words.slice(command.path.length) : words };
}

describe('infra/github/deploy-skills.yml', () => {
  it('runs on push, pull_request (and pull_request_target for forks) and workflow_dispatch with read-only permissions', () => {
    assert.ok(workflow.name);
    assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'pull_request_target', 'push', 'workflow_dispatch']);
    assert.equal(workflow.permissions?.contents, 'read');
    for (const j of Object.values(workflow.jobs)) assert.equal(j['runs-on'], 'ubuntu-latest');
  });

  it('checks out with full history, sets up Node 20 and installs with npm ci', () => {
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    assert.equal(checkout?.uses, 'actions/checkout@v4');
    assert.equal(checkout?.with?.['fetch-depth'], 0);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    assert.equal(node?.uses, 'actions/setup-node@v4');
    assert.equal(String(node?.with?.['node-version']), '20');
    assert.ok(runs.some((s) => /^npm ci$/m.test(s.run!)), 'npm ci');
    const order = (pred: (s: Step) => boolean) => steps.findIndex(pred);
    assert.ok(order((s) => s.uses === 'actions/checkout@v4') < order((s) => /npm ci/.test(s.run ?? '')));
    assert.ok(order((s) => /npm ci/.test(s.run ?? '')) < order((s) => /odoobo deploy/.test(s.run ?? '')));
  });

  it('detects changed skills with git diff --name-only over skills/<name>/** and infra/<name>.yaml', () => {
    const detect = runs.find((s) => s.run!.includes('git diff --name-only'));
    assert.ok(detect, 'a step runs git diff --name-only');
    assert.match(detect.run!, /git diff --name-only "\$base" HEAD -- skills infra/);
    assert.match(detect.run!, /\^skills\//);
    assert.match(detect.run!, /\^infra\//);
    assert.match(detect.run!, /GITHUB_OUTPUT/);
    assert.equal(detect.id, 'changes');
  });

  it('validates with --format github, deploys one plan to digitalocean as JSON with the token from secrets, then smoke-tests', () => {
    const validate = runs.find((s) => /odoobo validate/.test(s.run!));
    assert.match(validate!.run!, /npx odoobo validate \$SPECS --format github/);
    const deploy = steps.find((s) => s.id === 'deploy');
    assert.match(deploy!.run!, /^npx odoobo deploy \$SKILLS --target digitalocean .*--json > deploy\.json$/);
    assert.equal(deploy!.env?.DIGITALOCEAN_ACCESS_TOKEN, '${{ secrets.DIGITALOCEAN_ACCESS_TOKEN }}');
    assert.equal(deploy!.env?.SKILLS, '${{ steps.changes.outputs.skills }}', 'skill names reach the shell through env, never interpolated into the script');
    const smoke = steps.find((s) => s.id === 'smoke');
    assert.match(smoke!.run!, /npx odoobo test \$SKILLS --target digitalocean --json > test\.json/);
    assert.match(smoke!.if!, /steps\.deploy\.outcome == 'success'/);
  });

  it('writes a summary table to $GITHUB_STEP_SUMMARY from the JSON, always', () => {
    const summary = runs.find((s) => s.run!.includes('GITHUB_STEP_SUMMARY'));
    assert.ok(summary);
    assert.match(summary.if!, /always\(\)/);
    assert.match(summary.run!, /deploy\.json/);
    assert.match(summary.run!, /\| Skill \| Deploy \|/);
  });

  it('on failure rolls back the skills deploy.json marks needsRollback', () => {
    const rollback = runs.find((s) => /odoobo rollback/.test(s.run!));
    assert.ok(rollback);
    assert.match(rollback.if!, /failure\(\)/);
    assert.match(rollback.run!, /needsRollback/);
    assert.equal(rollback.env?.DIGITALOCEAN_ACCESS_TOKEN, '${{ secrets.DIGITALOCEAN_ACCESS_TOKEN }}');
  });

  it('the run-line parser finds commands and stops at redirections', () => {
    assert.deepEqual(odooboInvocations('npx odoobo deploy $SKILLS --json > deploy.json'), [['deploy', '$SKILLS', '--json']]);
    assert.deepEqual(odooboInvocations('x=1\n  npx odoobo rollback "$s" --yes || status=1\n# npx odoobo nope'), [['rollback', '$s', '--yes']]);
    assert.deepEqual(odooboInvocations('npx odoobo --version'), [['--version']]);
  });

  it('every odoobo subcommand and flag the workflow uses exists in the CLI', () => {
    const invocations = runs.flatMap((s) => odooboInvocations(s.run!));
    const used = new Set<string>();
    assert.ok(invocations.length >= 5, `found ${invocations.length} odoobo invocations`);
    for (const words of invocations) {
      if (words[0]?.startsWith('-')) {
        assert.ok(['--version', '-v', '--help', '-h'].includes(words[0]), `top-level flag ${words[0]}`);
        continue;
      }
      const { command, rest } = commandFor(words);
      assert.ok(command, `odoobo ${words.join(' ')}: no such command (registered: ${COMMANDS.map((c) => c.path.join(' ')).join(', ')})`);
      used.add(command.path.join(' '));
      for (const w of rest) {
        if (!w.startsWith('-')) continue;
        const flag = w.split('=')[0];
        const re = flag.startsWith('--') ? new RegExp(`(^|[\\s,\\[])${flag}\\b`, 'm') : new RegExp(`(^|[\\s,\\[])${flag},? `, 'm');
        assert.match(command.help, re, `odoobo ${command.path.join(' ')} has no ${flag} in its --help`);
      }
    }
    for (const c of ['validate', 'deploy', 'test', 'rollback']) assert.ok(used.has(c), `the workflow uses odoobo ${c}`);
  });
});

describe('infra/github/deploy-skills.yml: preview apps per pull request', () => {
  const on = workflow.on as Record<string, { types?: string[]; paths?: string[] } | null>;
  const preview = workflow.jobs.preview;
  const fork = workflow.jobs['fork-notice'];
  const step = (job: typeof preview, pred: (s: Step) => boolean): Step => {
    const found = job.steps.find(pred);
    assert.ok(found, 'step not found');
    return found;
  };

  it('pull_request: opened, synchronize, reopened and closed, on skills/ and infra/ changes', () => {
    assert.deepEqual(on.pull_request?.types, ['opened', 'synchronize', 'reopened', 'closed']);
    assert.deepEqual(on.pull_request?.paths, ['skills/**', 'infra/**']);
    assert.deepEqual(on.pull_request_target?.types, ['opened', 'synchronize', 'reopened']);
  });

  it('the deploy job never deploys a pull request\'s branch, and sits out closed pull requests and pull_request_target', () => {
    assert.equal(workflow.jobs.deploy.if, "github.event_name != 'pull_request_target' && github.event.action != 'closed'");
    const deploy = step(workflow.jobs.deploy, (s) => s.id === 'deploy');
    assert.match(deploy.if!, /github\.event_name != 'pull_request'/);
  });

  it('the preview job: same-repository pull requests only, with pull-requests: write', () => {
    assert.equal(preview.if, "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
    assert.deepEqual(preview.permissions, { contents: 'read', 'pull-requests': 'write' });
    assert.equal(workflow.permissions?.contents, 'read');
    assert.equal(workflow.permissions?.['pull-requests'], undefined, 'write access only where a job needs it');
  });

  it('finds the changed skills from the pull request\'s diff: skills/<name>/ and infra/<name>*.yaml', () => {
    const changes = step(preview, (s) => s.id === 'changes');
    assert.equal(changes.if, "github.event.action != 'closed'");
    assert.match(changes.run!, /git diff --name-only "\$base" "\$PR_HEAD" -- skills infra/);
    assert.equal(changes.env?.PR_HEAD, '${{ github.event.pull_request.head.sha }}');
    const sed = /sed -nE '([^']+)'/.exec(changes.run!)?.[1];
    assert.ok(sed);
    assert.match(sed, /\^skills\//);
    assert.match(sed, /\^infra\/.*\(\\\.\[a-z\]\[a-z0-9-\]\*\)\?\\\.ya\?ml\$/, 'overlays infra/<name>.<env>.yaml count too');
  });

  it('on opened/synchronize/reopened: odoobo preview up of the changed skills from the head branch, with --comment', () => {
    const up = step(preview, (s) => /odoobo preview up/.test(s.run ?? ''));
    assert.match(up.if!, /github\.event\.action != 'closed'/);
    assert.match(up.if!, /steps\.changes\.outputs\.skills != ''/);
    const expected = 'npx odoobo preview up $SKILLS --pr "$PR" --branch "$HEAD_REF" --comment --target digitalocean --json > preview.json';
    assert.equal(up.run, expected);
    // Values from the event reach the shell through env, never interpolated into the script (a branch name is untrusted).
    assert.equal(up.env?.HEAD_REF, '${{ github.event.pull_request.head.ref }}');
    assert.equal(up.env?.PR, '${{ github.event.pull_request.number }}');
    assert.equal(up.env?.GITHUB_TOKEN, '${{ secrets.GITHUB_TOKEN }}');
    assert.equal(up.env?.DIGITALOCEAN_ACCESS_TOKEN, '${{ secrets.DIGITALOCEAN_ACCESS_TOKEN }}');
    for (const s of [...preview.steps, ...fork.steps]) assert.ok(!/\$\{\{/.test(s.run ?? ''), `no expression inside a script: ${s.name}`);
  });

  it('on closed: odoobo preview down --all with --comment', () => {
    const down = step(preview, (s) => /odoobo preview down/.test(s.run ?? ''));
    assert.equal(down.if, "github.event.action == 'closed'");
    assert.equal(down.run, 'npx odoobo preview down --all --pr "$PR" --comment --target digitalocean');
  });

  it('a fork\'s pull request: no preview, a comment from pull_request_target that never checks out the fork nor gets the DO token', () => {
    const fromFork = 'github.event.pull_request.head.repo.full_name != github.repository';
    assert.equal(fork.if, `github.event_name == 'pull_request_target' && ${fromFork}`);
    assert.equal(fork.permissions?.['pull-requests'], 'write');
    const checkout = step(fork, (s) => s.uses?.startsWith('actions/checkout@') ?? false);
    assert.equal(checkout.with?.ref, undefined, 'the base branch, never the head');
    assert.equal(checkout.with?.['persist-credentials'], false);
    const say = step(fork, (s) => /odoobo preview up/.test(s.run ?? ''));
    assert.equal(say.run, 'npx odoobo preview up --pr "$PR" --comment');
    for (const s of fork.steps) assert.equal(s.env?.DIGITALOCEAN_ACCESS_TOKEN, undefined);
    assert.ok(!JSON.stringify(fork).includes('DIGITALOCEAN_ACCESS_TOKEN'));
  });

  it('the commands the preview jobs run are the CLI\'s (preview up, preview down)', () => {
    const invocations = [...preview.steps, ...fork.steps].flatMap((s) => odooboInvocations(s.run ?? ''));
    const used = invocations.map((w) => commandFor(w).command?.path.join(' '));
    assert.ok(used.includes('preview up') && used.includes('preview down'), used.join(', '));
  });
});
