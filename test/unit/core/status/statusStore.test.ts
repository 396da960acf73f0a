import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  acquireLock,
  readLockHolder,
  skillEnvStatus,
  StatusError,
  StatusStore,
  writeFileAtomic,
  type StatusFile,
} from '../../../../src/core/status';
import { StatusFileDeploymentSource } from '../../../../src/core/git/flows';
import { deploymentFor, runChild } from '../../../builders/gitFlows';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-status-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

async function freshCommonDir(): Promise<string> {
  return fs.mkdtemp(path.join(dir, 'git-'));
}

const codeOf = (code: string) => (e: unknown) => {
  assert.ok(e instanceof StatusError, String(e));
  assert.equal(e.code, code, e.message);
  return true;
};

describe('writeFileAtomic', () => {
  it('replaces the file whole: readers never see a partial file, no temporary files stay', async () => {
    const file = path.join(dir, 'atomic', 'big.json');
    const a = 'a'.repeat(2_000_000);
    const b = 'b'.repeat(3_000_000);
    await writeFileAtomic(file, a);
    let stop = false;
    const seen = new Set<number>();
    const reader = (async () => {
      while (!stop) {
        const text = await fs.readFile(file, 'utf8');
        assert.ok(text === a || text === b, `partial read of ${text.length} bytes`);
        seen.add(text.length);
      }
    })();
    for (let i = 0; i < 30; i++) await writeFileAtomic(file, i % 2 ? a : b);
    stop = true;
    await reader;
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['big.json']);
    assert.ok(seen.size >= 1);
  });

  it('makes missing folders, also when the folder is removed between two writes', async () => {
    const file = path.join(dir, 'atomic-nested', 'a', 'b', 'state.json');
    await writeFileAtomic(file, 'one');
    assert.equal(await fs.readFile(file, 'utf8'), 'one');
    await fs.rm(path.join(dir, 'atomic-nested'), { recursive: true });
    await writeFileAtomic(file, 'two');
    assert.equal(await fs.readFile(file, 'utf8'), 'two');
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['state.json']);
  });
});

describe('StatusStore', () => {
  it('starts empty, records each kind of entry and keeps fields it does not know', async () => {
    const store = new StatusStore(await freshCommonDir());
    assert.deepEqual((await store.read()).skills, {});
    const d = deploymentFor('alpha', 'a'.repeat(40));
    await store.recordDeployment('alpha', d);
    await store.recordDeployment('alpha', deploymentFor('alpha', 'b'.repeat(40), { target: 'digitalocean', deploymentId: 'do-1' }));
    await store.recordTest('alpha', { status: 'failed', commit: 'a'.repeat(40), passed: 3, failed: 1, at: '2025-05-01T10:00:00Z' });
    await store.recordWorktree('alpha', { path: '/x/alpha', branch: 'skill/alpha', updatedAt: '2025-05-01T10:00:00Z' });
    await store.update((s) => {
      (s.skills.alpha as Record<string, unknown>).futureField = { kept: true };
    });
    const s = (await store.read()).skills.alpha;
    assert.equal(s.lastDeployment?.deploymentId, 'do-1');
    assert.equal(s.deployments?.local.deploymentId, d.deploymentId);
    assert.equal(s.lastTest?.failed, 1);
    assert.deepEqual((s as Record<string, unknown>).futureField, { kept: true });
    const source = new StatusFileDeploymentSource(store);
    assert.equal((await source.latest('alpha', { target: 'local' }))?.deploymentId, d.deploymentId);
    assert.equal((await source.latest('alpha'))?.deploymentId, 'do-1');
    assert.equal(await source.latest('beta'), undefined);
    const text = await fs.readFile(store.file, 'utf8');
    assert.equal(JSON.parse(text).version, 1);
  });

  it('records per environment: production does not touch the staging (top-level) fields, and the reverse', async () => {
    const store = new StatusStore(await freshCommonDir());
    const staging = { name: 'staging', isDefault: true };
    const production = { name: 'production', isDefault: false };
    const s1 = deploymentFor('alpha', 'a'.repeat(40));
    await store.recordDeployment('alpha', s1, { environment: staging });
    await store.recordTest('alpha', { status: 'passed', commit: s1.commit, at: '2025-05-01T11:00:00Z' }, { environment: staging });
    const before = (await store.read()).skills.alpha;
    const p1 = deploymentFor('alpha', 'b'.repeat(40), { appId: 'app-alpha-prod', deploymentId: 'prod-1' });
    await store.recordDeployment('alpha', p1, { environment: production });
    await store.recordTest('alpha', { status: 'failed', commit: p1.commit, at: '2025-05-01T12:00:00Z' }, { environment: production });
    const s = (await store.read()).skills.alpha;
    assert.deepEqual(
      [s.lastDeployment, s.deployments, s.lastTest, s.environments?.staging],
      [before.lastDeployment, before.deployments, before.lastTest, before.environments?.staging],
    );
    assert.equal(s.lastDeployment?.deploymentId, s1.deploymentId);
    assert.equal(s.environments?.production.lastDeployment?.deploymentId, 'prod-1');
    assert.equal(s.environments?.production.deployments?.local.deploymentId, 'prod-1');
    assert.equal(s.environments?.production.lastTest?.status, 'failed');
    assert.equal(skillEnvStatus(s, 'production', 'staging').lastDeployment?.deploymentId, 'prod-1');
    assert.equal(skillEnvStatus(s, 'staging', 'staging').lastTest?.status, 'passed');
    assert.deepEqual(skillEnvStatus(s, 'qa', 'staging'), {});
    // A write for the default environment (or with no environment, as older writers do) is the top level.
    const s2 = deploymentFor('alpha', 'c'.repeat(40), { deploymentId: 'stg-2' });
    await store.recordDeployment('alpha', s2);
    const after = (await store.read()).skills.alpha;
    assert.equal(skillEnvStatus(after, 'staging', 'staging').lastDeployment?.deploymentId, 'stg-2');
    assert.equal(after.environments?.production.lastDeployment?.deploymentId, 'prod-1');
  });

  it('loads a file written before environments existed: its fields are the default environment\'s', async () => {
    const store = new StatusStore(await freshCommonDir());
    const old = {
      version: 1,
      updatedAt: '2025-05-01T10:00:00.000Z',
      skills: { alpha: { lastDeployment: deploymentFor('alpha', 'a'.repeat(40)), lastTest: { status: 'passed', at: 'then' } } },
    };
    await fs.mkdir(store.dir, { recursive: true });
    await fs.writeFile(store.file, JSON.stringify(old));
    const s = (await store.read()).skills.alpha;
    assert.equal(s.environments, undefined);
    assert.equal(skillEnvStatus(s, 'staging', 'staging').lastDeployment?.commit, 'a'.repeat(40));
    assert.equal(skillEnvStatus(s, 'staging', 'staging').lastTest?.status, 'passed');
    assert.deepEqual(skillEnvStatus(s, 'production', 'staging'), {});
    assert.deepEqual(skillEnvStatus(undefined, 'staging', 'staging'), {});
    await store.recordDeployment('alpha', deploymentFor('alpha', 'b'.repeat(40)), { environment: { name: 'production', isDefault: false } });
    assert.equal((await store.read()).skills.alpha.lastDeployment?.commit, 'a'.repeat(40));
  });

  it('refuses to write invalid data (it would read back as corrupt)', async () => {
    const store = new StatusStore(await freshCommonDir());
    await store.recordTest('alpha', { status: 'passed', at: 'now' });
    const before = await fs.readFile(store.file, 'utf8');
    await assert.rejects(store.recordDeployment('alpha', { ...deploymentFor('alpha', 'a'.repeat(40)), commit: 'not a commit' }));
    await assert.rejects(store.update((s) => {
      s.skills['../evil'] = {};
    }));
    await assert.rejects(store.recordTest('../evil', { status: 'passed', at: 'now' }));
    assert.equal(await fs.readFile(store.file, 'utf8'), before);
  });

  it('records 20 updates made at once (Promise.all) without losing one', async () => {
    const store = new StatusStore(await freshCommonDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.recordTest(`s${i}`, { status: 'passed', at: new Date().toISOString() })));
    assert.equal(Object.keys((await store.read()).skills).length, 20);
    assert.deepEqual((await fs.readdir(store.dir)).sort(), ['status.json']);
  });

  it('records 30 updates from 3 processes at once (10 each) without losing one', async () => {
    const commonDir = await freshCommonDir();
    const store = new StatusStore(commonDir, { lockTimeoutMs: 60_000 });
    await Promise.all([
      runChild({ op: 'status-updates', commonDir, prefix: 'pa', n: 10 }),
      runChild({ op: 'status-updates', commonDir, prefix: 'pb', n: 10 }),
      Promise.all(Array.from({ length: 10 }, (_, i) => store.recordTest(`pc${i}`, { status: 'passed', at: new Date().toISOString() }))),
    ]);
    const skills = (await store.read()).skills;
    assert.equal(Object.keys(skills).length, 30);
    for (const p of ['pa', 'pb', 'pc']) for (let i = 0; i < 10; i++) assert.equal(skills[`${p}${i}`]?.lastTest?.status, 'passed');
    assert.deepEqual((await fs.readdir(store.dir)).sort(), ['status.json']);
  });

  for (const [what, content] of [
    ['invalid JSON', '{"version": 1, "skills": {'],
    ['a wrong shape', JSON.stringify({ version: 1, updatedAt: 'x', skills: { alpha: { lastDeployment: { phase: 'ACTIVE' } } } })],
    ['a hostile skill name', JSON.stringify({ version: 1, updatedAt: 'x', skills: { '../../etc': {} } })],
  ] as const) {
    it(`reports a corrupt file (${what}) with its path and moves it aside, never discarding it`, async () => {
      const store = new StatusStore(await freshCommonDir());
      await fs.mkdir(store.dir, { recursive: true });
      await fs.writeFile(store.file, content);
      let movedTo = '';
      await assert.rejects(store.read(), (e: unknown) => {
        codeOf('STATUS_FILE_CORRUPT')(e);
        const err = e as StatusError;
        assert.equal(err.details.file, store.file);
        movedTo = err.details.movedTo!;
        assert.match(err.message, new RegExp(store.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        assert.match(path.basename(movedTo), /^status\.json\.corrupt-\d{8}T\d{6}-\d{3}Z$/);
        return true;
      });
      assert.equal(await fs.readFile(movedTo, 'utf8'), content);
      assert.deepEqual((await store.read()).skills, {});
      await store.recordTest('alpha', { status: 'passed', at: 'now' });
      assert.equal((await store.read()).skills.alpha.lastTest?.status, 'passed');
    });
  }

  it('an update over a corrupt file fails (moving it aside) instead of overwriting it', async () => {
    const store = new StatusStore(await freshCommonDir());
    await fs.mkdir(store.dir, { recursive: true });
    await fs.writeFile(store.file, 'garbage');
    await assert.rejects(store.recordTest('alpha', { status: 'passed', at: 'now' }), codeOf('STATUS_FILE_CORRUPT'));
    const names = await fs.readdir(store.dir);
    assert.equal(names.filter((n) => n.startsWith('status.json.corrupt-')).length, 1);
  });
});

describe('lock files', () => {
  it('serialises holders across processes', async () => {
    const file = path.join(await freshCommonDir(), 'locks', 'alpha.lock');
    let childLockedAt = 0;
    const child = runChild({ op: 'hold-lock', file, ms: 600, purpose: 'child merge' }, (line) => {
      if (line === '"locked"') childLockedAt = Date.now();
    });
    while (!childLockedAt) await new Promise((r) => setTimeout(r, 10));
    const holder = await readLockHolder(file);
    assert.equal(holder?.purpose, 'child merge');
    assert.notEqual(holder?.pid, process.pid);
    await assert.rejects(acquireLock(file, { timeoutMs: 0 }), (e: unknown) => {
      codeOf('LOCKED')(e);
      assert.match((e as Error).message, /child merge/);
      return true;
    });
    const lock = await acquireLock(file, { timeoutMs: 10_000 });
    assert.ok(Date.now() - childLockedAt >= 550, 'acquired only after the child released it');
    await lock.release();
    await child;
    await assert.rejects(fs.stat(file));
  });

  it('takes over a lock whose process is gone, or whose file was not refreshed', async () => {
    const base = await freshCommonDir();
    const dead = path.join(base, 'dead.lock');
    await fs.writeFile(dead, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), token: 't', createdAt: new Date().toISOString() }));
    const a = await acquireLock(dead, { timeoutMs: 1000 });
    assert.equal((await readLockHolder(dead))?.pid, process.pid);
    await a.release();
    const old = path.join(base, 'old.lock');
    await fs.writeFile(old, JSON.stringify({ pid: 1, host: 'another-host', token: 't', createdAt: '2020-01-01T00:00:00Z' }));
    const past = new Date(Date.now() - 60_000);
    await fs.utimes(old, past, past);
    const b = await acquireLock(old, { timeoutMs: 1000, staleMs: 5_000 });
    await b.release();
    // A fresh lock of a live process on another host is respected.
    const live = path.join(base, 'live.lock');
    await fs.writeFile(live, JSON.stringify({ pid: 1, host: 'another-host', token: 't', createdAt: new Date().toISOString() }));
    await assert.rejects(acquireLock(live, { timeoutMs: 100, staleMs: 5_000 }), codeOf('LOCKED'));
  });

  it('keeps a held lock fresh, notices when it is taken over, and stops waiting when aborted', async () => {
    const file = path.join(await freshCommonDir(), 'beat.lock');
    const lock = await acquireLock(file, { staleMs: 150 });
    await new Promise((r) => setTimeout(r, 400));
    await assert.rejects(acquireLock(file, { timeoutMs: 50, staleMs: 150 }), codeOf('LOCKED'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(acquireLock(file, { timeoutMs: 10_000, signal: ac.signal }), codeOf('ABORTED'));
    await fs.writeFile(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'someone-else', createdAt: new Date().toISOString() }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(lock.lost, true);
    assert.throws(() => lock.assertHeld(), codeOf('LOCK_LOST'));
    await lock.release();
    assert.equal((await readLockHolder(file))?.token, 'someone-else', 'release never deletes another holder\'s lock');
  });
});

export type { StatusFile };
