/**
 * Local runs of real skills (FastAPI apps under uvicorn with --reload) from a real worktree: uncommitted changes are
 * served, an edit is reloaded, two skills run at once, stop leaves no process, and a missing Python module or a taken
 * port is named. Invoke against a run shows the field a 422 names.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { invokeSkill, formatInvokeResponse } from '../../../../src/core/localRun/invoke';
import { groupAlive } from '../../../../src/core/util/processGroup';
import { listRunRecords, localRunsDir } from '../../../../src/core/localRun/registry';
import { LocalRunError, startLocalRun, type LocalRun } from '../../../../src/core/localRun/runner';
import { loadSkill, type Skill } from '../../../../src/core/skills/loadSkills';
import { git, RepoFixture } from '../../../builders/repo';

const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

function mainPy(greeting: string, extraImport = ''): string {
  return [
    'import os',
    extraImport,
    'from fastapi import FastAPI',
    'from pydantic import BaseModel',
    'app = FastAPI()',
    `GREETING = "${greeting}"`,
    'class Req(BaseModel):',
    '    name: str',
    '@app.get("/health")',
    'def health():',
    '    return {"status": "ok"}',
    '@app.get("/env")',
    'def env():',
    '    return {k: os.environ.get(k) for k in ("PLAIN", "TOKEN", "MISSING_SECRET")}',
    '@app.post("/invoke")',
    'def invoke(req: Req):',
    '    return {"greeting": f"{GREETING} {req.name}"}',
    '',
  ].join('\n');
}

function specWithEnvs(name: string): string {
  return [
    `name: ${name}`,
    'services:',
    `  - name: ${name}`,
    `    source_dir: skills/${name}`,
    '    envs:',
    '      - key: PLAIN',
    '        value: "plain-value"',
    '      - key: TOKEN',
    '        type: SECRET',
    '      - key: MISSING_SECRET',
    '        type: SECRET',
    '',
  ].join('\n');
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  return res.json();
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await fn();
  }
  return last;
}

describe('local runs of real skills from a worktree', () => {
  let repo: RepoFixture;
  let worktree: string;
  let runsDir: string;
  const runs: LocalRun[] = [];
  const skillOf = async (name: string): Promise<Skill> => {
    const { skill } = await loadSkill(worktree, 'skills', name);
    assert.ok(skill, name);
    return skill;
  };

  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    const skills = [{ name: 'alpha' }, { name: 'beta' }, { name: 'broken' }];
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'local-run-', skills });
    await repo.write('skills/alpha/main.py', mainPy('hello'));
    await repo.write('skills/beta/main.py', mainPy('bonjour'));
    await repo.write('skills/broken/main.py', mainPy('never', 'import odoobo_no_such_module_xyz'));
    await repo.write('infra/alpha.yaml', specWithEnvs('alpha'));
    await repo.commitAll('skills');
    worktree = await repo.addWorktree('alpha');
    runsDir = (await localRunsDir(worktree))!;
    assert.ok(runsDir);
  });
  after(async () => {
    await Promise.all(runs.map((r) => r.stop()));
    await repo?.remove();
  });

  it('serves the worktree\'s uncommitted change, with the spec\'s envs and secrets from ODOOBO_SECRET_<KEY>', async () => {
    await fs.writeFile(path.join(worktree, 'skills/alpha/main.py'), mainPy('uncommitted'));
    const run = await startLocalRun({
      skill: await skillOf('alpha'), root: worktree, runsDir, owner: 'test',
      parentEnv: { ...process.env, ODOOBO_SECRET_TOKEN: 's3cret' },
    });
    runs.push(run);
    const res = await invokeSkill(run.url, { method: 'POST', headers: {}, body: { name: 'Ada' } }, { invokePath: '/invoke' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { greeting: 'uncommitted Ada' });
    assert.deepEqual(await getJson(`${run.url}/env`), { PLAIN: 'plain-value', TOKEN: 's3cret', MISSING_SECRET: null });
    assert.ok(run.notes.some((n) => n.includes('MISSING_SECRET') && n.includes('ODOOBO_SECRET_MISSING_SECRET')), run.notes.join('\n'));
    assert.ok(!run.notes.join('\n').includes('s3cret'));
    assert.match(await git(worktree, 'status', '--porcelain'), /M skills\/alpha\/main\.py/, 'the change stays uncommitted');
    const cmdline = await fs.readFile(`/proc/${run.pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes('s3cret'));
  });

  it('reloads an edit of the working file', async () => {
    const run = runs[0];
    await fs.writeFile(path.join(worktree, 'skills/alpha/main.py'), mainPy('reloaded'));
    const invoke = () => invokeSkill(run.url, { method: 'POST', headers: {}, body: { name: 'Ada' } }, { invokePath: '/invoke' })
      .catch(() => undefined);
    const res = await until(invoke, (r) => (r?.json as { greeting?: string } | undefined)?.greeting === 'reloaded Ada');
    assert.deepEqual(res?.json, { greeting: 'reloaded Ada' });
  });

  it('runs a second skill at once on another port; both are in the registry', async () => {
    const beta = await startLocalRun({ skill: await skillOf('beta'), root: worktree, runsDir, owner: 'test' });
    runs.push(beta);
    assert.notEqual(beta.port, runs[0].port);
    const a = await invokeSkill(runs[0].url, { method: 'POST', headers: {}, body: { name: 'x' } }, { invokePath: '/invoke' });
    const b = await invokeSkill(beta.url, { method: 'POST', headers: {}, body: { name: 'x' } }, { invokePath: '/invoke' });
    assert.equal((b.json as { greeting: string }).greeting, 'bonjour x');
    assert.equal(a.status, 200);
    assert.deepEqual((await listRunRecords(runsDir)).map((r) => [r.skill, r.port]), [['alpha', runs[0].port], ['beta', beta.port]]);
    const again = startLocalRun({ skill: await skillOf('beta'), root: worktree, runsDir });
    await assert.rejects(again, (e: LocalRunError) => e.code === 'ALREADY_RUNNING' && e.message.includes(beta.url));
  });

  it('invoke with a 4xx names the field of the validation error', async () => {
    const res = await invokeSkill(runs[0].url, { method: 'POST', headers: {}, body: { nom: 'x' } }, { invokePath: '/invoke' });
    assert.equal(res.status, 422);
    assert.deepEqual(res.problems.map((p) => p.field), ['name']);
    assert.match(formatInvokeResponse(res), /^✗ name: field required/im);
  });

  it('stop ends the whole process group and frees the port', async () => {
    const beta = runs.pop()!;
    await beta.stop();
    assert.equal(groupAlive(beta.pid), false);
    await assert.rejects(fetch(`${beta.url}/health`));
    assert.deepEqual((await listRunRecords(runsDir)).map((r) => r.skill), ['alpha']);
  });

  it('names a missing Python module and leaves nothing running', async () => {
    await assert.rejects(
      startLocalRun({ skill: await skillOf('broken'), root: worktree, runsDir }),
      (e: LocalRunError) =>
        e.code === 'MISSING_MODULE' && /"odoobo_no_such_module_xyz" is missing/.test(e.message) && /pip install/.test(e.message),
    );
    assert.deepEqual((await listRunRecords(runsDir)).map((r) => r.skill), ['alpha']);
  });

  it('a taken port is named before anything starts', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startLocalRun({ skill: await skillOf('beta'), root: worktree, runsDir, port }),
        (e: LocalRunError) => e.code === 'PORT_IN_USE' && e.message.includes(String(port)));
    } finally {
      srv.close();
    }
  });
});
