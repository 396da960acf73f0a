/**
 * The deploy pipeline's parts, each on its own: the in-memory spec edit (comments kept, the user's file untouched),
 * lint codes, adaptive polling on a shared grid, learned timings, coalesced app reads (one request serves many) against
 * a recording HTTP server, coalesced status-file writes, the request meter, the 429 patience, the skill lock in one
 * process, and every code's mitigation.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { lintAppSpec } from '../../../../src/core/appspec';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { AppPlatformError } from '../../../../src/core/do/errors';
import { loadSkills } from '../../../../src/core/skills/loadSkills';
import { StatusStore } from '../../../../src/core/status/statusStore';
import { DEPLOY_MITIGATIONS, DeployError, MeteredBudget, DeployTimings, flattenSteps, codeForFindings, setSource, mitigationFor } from '../../../../src/core/deploy';
import { AppReader } from '../../../../src/core/deploy/apps';
import { patiently } from '../../../../src/core/deploy/errors';
import { acquireDeployLock } from '../../../../src/core/deploy/locks';
import { CoalescedWriter, recordAttempt, recordDeployment } from '../../../../src/core/deploy/persist';
import { pollInterval } from '../../../../src/core/deploy/poll';
import { DeploySession } from '../../../../src/core/deploy/session';
import { gitCommonDir as findCommonDir, readBranchNames } from '../../../../src/core/git/git';
import { sameSpec } from '../../../../src/core/deploy/steps/apply';
import { prepareSpec } from '../../../../src/core/deploy/spec';
import { appFor, deploymentAt } from '../../../builders/do';
import { sendJson, startServer, type TestServer } from '../../../builders/doServer';
import { git, RepoFixture } from '../../../builders/repo';

const SPEC = `# the skill's app spec (comments survive the in-memory edit)
name: alpha
region: fra
services:
  - name: alpha
    github:
      repo: odoobo/odoobo-skills
      branch: main # the branch to build
      deploy_on_push: false
    source_dir: skills/alpha
    run_command: uvicorn main:app --port $PORT
    http_port: 8080
    instance_size_slug: apps-s-1vcpu-0.5gb
  - name: sidecar
    image:
      registry_type: DOCKER_HUB
      repository: library/nginx
      tag: "1.25"
    http_port: 80
    instance_size_slug: apps-s-1vcpu-0.5gb
`;

describe('spec preparation (step 1)', () => {
  let repo: RepoFixture;
  before(async () => {
    repo = await RepoFixture.create({ skills: [{ name: 'alpha' }] });
    await repo.write('infra/alpha.yaml', SPEC);
  });
  after(async () => {
    await repo?.remove();
  });

  it('sets the branch of the skill\'s own git components only, keeps comments, and never rewrites the file unless asked', async () => {
    const [skill] = (await loadSkills(repo.dir)).skills;
    const p = await prepareSpec(skill, { repoRoot: repo.dir, lint: lintAppSpec });
    assert.deepEqual(p.changes, ['services[0].github.branch = skill/alpha']);
    assert.equal(p.spec.services?.[0].github?.branch, 'skill/alpha');
    assert.equal(p.spec.services?.[1].image?.tag, '1.25', 'the sidecar (not built from the skill) is untouched');
    assert.match(p.text, /# the skill's app spec/);
    assert.match(p.text, /branch: skill\/alpha # the branch to build/);
    assert.equal(p.file, 'infra/alpha.yaml');
    assert.equal(await fs.readFile(path.join(repo.dir, 'infra/alpha.yaml'), 'utf8'), SPEC, 'the user\'s file is untouched');

    const explicit = await prepareSpec(skill, { repoRoot: repo.dir, lint: lintAppSpec, source: { branch: 'release/2' }, writeSpec: true });
    assert.deepEqual(explicit.changes, ['services[0].github.branch = release/2']);
    assert.match(await fs.readFile(path.join(repo.dir, 'infra/alpha.yaml'), 'utf8'), /branch: release\/2 # the branch to build/, 'written when asked');
    await repo.write('infra/alpha.yaml', SPEC);
  });

  it('sets an image tag or digest on image components built for the skill', () => {
    const doc = parseDocument(SPEC.replace('  - name: sidecar', '  - name: alpha-img').replace('name: alpha\nregion', 'name: alpha\nregion'));
    const skill = { name: 'alpha-img', dir: '/r/skills/alpha-img' } as never;
    assert.deepEqual(setSource(doc, skill, '/r', { imageTag: '2.0.1' }), ['services[1].image.tag = 2.0.1']);
    assert.deepEqual(setSource(doc, skill, '/r', { imageTag: '2.0.1' }), [], 'nothing to change the second time');
    assert.deepEqual(setSource(doc, skill, '/r', { imageDigest: 'sha256:abc' }), ['services[1].image.digest = sha256:abc']);
    assert.equal(doc.getIn(['services', 1, 'image', 'tag']), undefined, 'a digest replaces the tag');
  });

  it('lint errors become the procedure\'s codes: syntax first, then placeholders, else a schema problem', () => {
    const f = (code: string) => ({ severity: 'error' as const, code, message: '', line: 1, column: 1 });
    assert.equal(codeForFindings([f('SCHEMA_ERROR'), f('APP_SPEC_TOO_DEEP')]), 'APP_SPEC_SYNTAX_ERROR');
    assert.equal(codeForFindings([f('SCHEMA_ERROR'), f('PLACEHOLDER_VALUES')]), 'PLACEHOLDER_VALUES');
    assert.equal(codeForFindings([f('UNKNOWN_FIELD'), f('PORT_MISMATCH')]), 'SPEC_VALIDATION_FAILED');
  });

  it('an injected linter is used as given (the step is defined by its function)', async () => {
    const [skill] = (await loadSkills(repo.dir)).skills;
    const seen: string[] = [];
    await assert.rejects(
      prepareSpec(skill, {
        repoRoot: repo.dir,
        lint: async (text, o) => {
          seen.push(o.file);
          return { findings: [{ severity: 'error', code: 'PLACEHOLDER_VALUES', message: 'still <your-key>', line: 3, column: 5 }], spec: parseDocument(text).toJS() };
        },
      }),
      (e: DeployError) => e.code === 'PLACEHOLDER_VALUES' && e.step === 'prepare' && /infra\/alpha\.yaml:3:5 PLACEHOLDER_VALUES still <your-key>/.test(e.message),
    );
    assert.deepEqual(seen, ['infra/alpha.yaml']);
  });
});

describe('adaptive polling', () => {
  const policy = { minMs: 100, maxMs: 2_000, factor: 1.5 };
  const onGrid = (wait: number) => (Date.now() + wait) % policy.minMs < 5 || (Date.now() + wait) % policy.minMs > policy.minMs - 5;

  it('fast at first, slower while nothing is known; every poll lands on the shared grid', () => {
    const next = pollInterval(policy, new DeployTimings());
    const waits = [1, 2, 3, 4, 8, 20].map((attempt) => next({ attempt, elapsedMs: attempt * 300 }));
    for (let i = 1; i < waits.length; i++) assert.ok(waits[i] >= waits[i - 1] - policy.minMs, `growing: ${waits}`);
    assert.ok(waits[0] <= 200 && waits[5] >= 1_900 && waits[5] <= 2_100, `from ~minMs to maxMs: ${waits}`);
    for (const w of waits) assert.ok(onGrid(w), `on the grid: ${w}`);
  });

  it('polls every grid point near the end, not every second one, even when the last answer came late in its slot', () => {
    const timings = new DeployTimings();
    timings.observe(3_000);
    const next = pollInterval(policy, timings, undefined, undefined, Date.now() - 2_950);
    const wait = next({ attempt: 5, elapsedMs: 2_950 });
    assert.ok(wait > 0 && wait <= policy.minMs, `at most one grid step (${policy.minMs} ms) away: ${wait}`);
    assert.ok(onGrid(wait), `on the grid: ${wait}`);
  });

  it('with learned durations: sleeps through most of the usual time, then polls densely near its end', () => {
    const timings = new DeployTimings();
    for (const ms of [3_000, 3_100, 2_900, 9_000, 3_050]) timings.observe(ms);
    assert.equal(timings.expectedMs, 3_000, 'the lower quartile: sleeping past the end costs more than polling early');
    timings.observe(20_000, 'slow-skill');
    assert.equal(timings.expected('slow-skill'), 20_000, 'a skill with its own history uses it');
    assert.equal(timings.expected('new-skill'), 3_000, 'one without falls back to all');
    const next = pollInterval(policy, timings);
    const early = next({ attempt: 2, elapsedMs: 200 });
    assert.ok(early >= 1_900, `early in a 3 s deployment: a long sleep (${early})`);
    const nearEnd = next({ attempt: 4, elapsedMs: 2_900 });
    assert.ok(nearEnd <= 200, `near the usual end: dense (${nearEnd})`);
    const wayLate = next({ attempt: 40, elapsedMs: 20_000 });
    assert.ok(wayLate >= 1_900, `far slower than usual: back to slow polls (${wayLate})`);
    // Anchored to when the deployment was created, not when monitoring began.
    const anchored = pollInterval(policy, timings, undefined, undefined, Date.now() - 2_950);
    assert.ok(anchored({ attempt: 2, elapsedMs: 10 }) <= 200, 'created 2.95 s ago: dense already');
  });

  it('reads branch names from the ref files as git for-each-ref lists them (loose, packed, remote)', async () => {
    const repo = await RepoFixture.create({ origin: true });
    try {
      await git(repo.dir, 'branch', 'skill/alpha');
      await git(repo.dir, 'branch', 'skill/beta');
      await git(repo.dir, 'push', '-q', 'origin', 'skill/beta');
      await git(repo.dir, 'pack-refs', '--all');
      await git(repo.dir, 'branch', 'skill/gamma');
      await git(repo.dir, 'fetch', '-q', 'origin');
      const fromGit = new Set(
        (await git(repo.dir, 'for-each-ref', '--format=%(refname)', 'refs/heads/', 'refs/remotes/'))
          .split('\n')
          .filter(Boolean)
          .map((r) => r.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, '')),
      );
      fromGit.delete('HEAD');
      const names = await readBranchNames(path.join(repo.dir, '.git'), repo.dir);
      assert.deepEqual([...names!].sort(), [...fromGit].sort());
      assert.ok(names!.has('skill/alpha') && names!.has('skill/beta') && names!.has('skill/gamma') && names!.has('main'));
    } finally {
      await repo.remove();
    }
  });

  it('finds the git common dir from the main worktree, a sub-folder and a linked worktree, as git does', async () => {
    const repo = await RepoFixture.create({});
    try {
      const wt = await repo.addWorktree('alpha');
      const expected = (await git(repo.dir, 'rev-parse', '--path-format=absolute', '--git-common-dir')).trim();
      await fs.mkdir(path.join(wt, 'skills', 'alpha'), { recursive: true });
      for (const dir of [repo.dir, wt, path.join(wt, 'skills', 'alpha')]) assert.equal(await fs.realpath((await findCommonDir(dir))!), await fs.realpath(expected), dir);
    } finally {
      await repo.remove();
    }
  });

  it('slows down when the request budget is nearly used up', async () => {
    const budget = new MeteredBudget({ limit: 10, windowMs: 60_000 });
    for (let i = 0; i < 9; i++) await budget.acquire();
    const next = pollInterval(policy, new DeployTimings(), budget);
    assert.ok(next({ attempt: 1, elapsedMs: 0 }) >= 59_000, 'one request left in the minute: wait for the window');
  });
});

describe('AppReader: one request serves the reads asked for together', () => {
  let server: TestServer;
  let client: AppPlatformClient;
  const apps = ['a', 'b', 'c'].map((n) => appFor(n, { id: `app-${n}`, in_progress_deployment: deploymentAt({ id: `dep-${n}`, phase: 'BUILDING' }) }));
  before(async () => {
    server = await startServer((req, res) => {
      if (req.path === '/v2/apps') return sendJson(res, 200, { apps, meta: { total: apps.length } });
      const m = /^\/v2\/apps\/([^/]+)$/.exec(req.path);
      if (m) {
        const app = apps.find((a) => a.id === m[1]);
        return app ? sendJson(res, 200, { app }) : sendJson(res, 404, { id: 'not_found', message: 'gone' });
      }
      const d = /^\/v2\/apps\/([^/]+)\/deployments\/([^/]+)$/.exec(req.path);
      if (d) return sendJson(res, 200, { deployment: deploymentAt({ id: d[2], phase: 'ERROR' }) });
      return sendJson(res, 404, { id: 'not_found', message: req.path });
    });
    client = new AppPlatformClient({ baseUrl: server.url, token: 't', budget: false, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  it('several apps at once: one GET /v2/apps; one app alone: GET /v2/apps/{id}; names: the list', async () => {
    const reader = new AppReader(client);
    server.requests.length = 0;
    const got = await Promise.all([reader.getApp('app-a'), reader.getApp('app-b'), reader.getApp('app-c'), reader.getApp('app-a'), reader.findAppByName('b'), reader.findAppByName('zz')]);
    assert.deepEqual(got.map((a) => a?.id), ['app-a', 'app-b', 'app-c', 'app-a', 'app-b', undefined]);
    assert.deepEqual(server.requests.map((r) => r.path), ['/v2/apps']);
    server.requests.length = 0;
    assert.equal((await reader.getApp('app-b')).id, 'app-b');
    assert.deepEqual(server.requests.map((r) => r.path), ['/v2/apps/app-b']);
  });

  it('deployments come from their app; a finished one is asked for; a primed one costs nothing; a gone app is APP_NOT_FOUND', async () => {
    const reader = new AppReader(client);
    server.requests.length = 0;
    const [a, b] = await Promise.all([reader.getDeployment('app-a', 'dep-a'), reader.getDeployment('app-b', 'dep-b')]);
    assert.deepEqual([a.id, a.phase, b.id], ['dep-a', 'BUILDING', 'dep-b']);
    assert.deepEqual(server.requests.map((r) => r.path), ['/v2/apps']);
    server.requests.length = 0;
    const old = await reader.getDeployment('app-c', 'dep-old');
    assert.equal(old.phase, 'ERROR');
    assert.deepEqual(server.requests.map((r) => r.path), ['/v2/apps/app-c', '/v2/apps/app-c/deployments/dep-old']);
    server.requests.length = 0;
    reader.prime(deploymentAt({ id: 'dep-new', phase: 'PENDING_BUILD' }));
    assert.equal((await reader.getDeployment('app-a', 'dep-new')).phase, 'PENDING_BUILD');
    assert.equal(server.requests.length, 0);
    await assert.rejects(Promise.all([reader.getApp('app-gone'), reader.getApp('app-a')]), (e: AppPlatformError) => e.code === 'APP_NOT_FOUND');
  });

  it('a waiter that aborts leaves; the others still get the answer', async () => {
    const reader = new AppReader(client);
    const ac = new AbortController();
    const gone = reader.getApp('app-a', { signal: ac.signal });
    const kept = reader.getApp('app-b');
    ac.abort(new Error('stop'));
    await assert.rejects(gone, /stop/);
    assert.equal((await kept).id, 'app-b');
  });
});

describe('small parts', () => {
  it('sameSpec: specs are the same JSON value whatever the key order or undefined keys; anything else differs', () => {
    const spec = { name: 'a', region: 'fra', services: [{ name: 'web', envs: [{ key: 'K', value: 'v' }], http_port: 8080, git: { branch: 'main' } }] };
    const reordered = { services: [{ git: { branch: 'main' }, http_port: 8080, envs: [{ value: 'v', key: 'K' }], name: 'web' }], region: 'fra', name: 'a', alerts: undefined };
    assert.equal(sameSpec(spec, reordered), true);
    assert.equal(sameSpec(reordered, spec), true);
    assert.equal(sameSpec(spec, structuredClone(spec)), true);
    const changed = (edit: (s: any) => void) => {
      const c = structuredClone(spec) as any;
      edit(c);
      return sameSpec(spec, c) || sameSpec(c, spec);
    };
    assert.equal(changed((c) => (c.services[0].git.branch = 'skill/a')), false);
    assert.equal(changed((c) => (c.services[0].http_port = '8080')), false, 'a number is not a string');
    assert.equal(changed((c) => c.services[0].envs.push({ key: 'L', value: 'w' })), false);
    assert.equal(changed((c) => (c.services[0].envs = { 0: c.services[0].envs[0] })), false, 'an array is not an object');
    assert.equal(changed((c) => (c.services[0].git.repo = null)), false, 'null is a value');
    assert.equal(changed((c) => delete c.region), false);
    assert.equal(changed((c) => (c.services = [...c.services, ...c.services])), false);
    assert.equal(sameSpec({ a: [1, 2] }, { a: [2, 1] }), false, 'lists are ordered');
  });

  it('flattens the progress tree with paths, depths and reasons', () => {
    const flat = flattenSteps(deploymentAt({ phase: 'ERROR', failIn: 'build' }).progress?.steps);
    assert.deepEqual(flat.slice(0, 4).map((s) => `${s.depth} ${s.path} ${s.status}`), ['0 build ERROR', '1 build › initialize SUCCESS', '1 build › components ERROR', '2 build › components › web ERROR']);
    assert.equal(flat[3].reason, 'BuildJobFailed: pip install exited with code 1');
  });

  it('CoalescedWriter: the first write starts at once, the ones made meanwhile share the next', async () => {
    const batches: number[][] = [];
    const w = new CoalescedWriter<number>(async (b) => {
      batches.push(b);
      await new Promise((r) => setTimeout(r, 20));
    });
    await Promise.all([1, 2, 3, 4, 5].map((n) => w.submit(n)));
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
  });

  it('status records from many skills at once: merged writes, nothing lost; a failed attempt keeps lastDeployment', async () => {
    const repo = await RepoFixture.create({});
    try {
      const store = new StatusStore(path.join(repo.dir, '.git'));
      const names = Array.from({ length: 30 }, (_, i) => `skill-${i}`);
      await Promise.all(names.map((n, i) => recordDeployment(store, n, { target: 'local', appId: `app-${i}`, deploymentId: `dep-${i}`, phase: 'ACTIVE', commit: 'abcdef0', deployedAt: new Date().toISOString() })));
      await recordAttempt(store, 'skill-3', { target: 'local', status: 'failed', code: 'BUILD_FAILED', step: 'monitor', message: 'x', at: new Date().toISOString() });
      const file = await store.read();
      assert.deepEqual(Object.keys(file.skills).sort(), [...names].sort());
      assert.equal(file.skills['skill-3'].lastDeployment?.deploymentId, 'dep-3');
      assert.equal((file.skills['skill-3'] as Record<string, any>).lastDeployAttempt.code, 'BUILD_FAILED');
      assert.equal(file.skills['skill-29'].deployments?.local?.appId, 'app-29');
    } finally {
      await repo.remove();
    }
  });

  it('MeteredBudget counts every request and the most in any window', async () => {
    const b = new MeteredBudget({ limit: 1000, windowMs: 50 });
    for (let i = 0; i < 5; i++) await b.acquire();
    await new Promise((r) => setTimeout(r, 60));
    for (let i = 0; i < 3; i++) await b.acquire();
    assert.equal(b.count, 8);
    assert.equal(b.maxInWindow(), 5);
    assert.equal(b.maxInWindow(10_000), 8);
  });

  it('patiently repeats a call through 429s only', async () => {
    let n = 0;
    const limited = () => new AppPlatformError({ code: 'RATE_LIMIT_EXCEEDED', operation: 'apps_get', message: '429' });
    assert.equal(await patiently(async () => (++n < 3 ? Promise.reject(limited()) : 'ok'), { maxWaitMs: 5_000 }), 'ok');
    assert.equal(n, 3);
    let m = 0;
    await assert.rejects(patiently(async () => {
      m++;
      throw new AppPlatformError({ code: 'SERVER_ERROR', operation: 'apps_get', message: '500' });
    }), /500/);
    assert.equal(m, 1);
  });

  it('the skill lock in one process: refuse at once, or wait for the holder in order', async () => {
    const repo = await RepoFixture.create({});
    try {
      const common = path.join(repo.dir, '.git');
      const first = await acquireDeployLock(common, 'alpha', { purpose: 'deploy alpha to local', whenBusy: 'refuse' });
      await assert.rejects(acquireDeployLock(common, 'alpha', { purpose: 'x', whenBusy: 'refuse' }), (e: DeployError) => e.code === 'DEPLOY_IN_PROGRESS' && /deploy alpha to local, in this process/.test(e.message));
      const order: string[] = [];
      const second = acquireDeployLock(common, 'alpha', { purpose: 'second', whenBusy: 'wait', busyTimeoutMs: 5_000 }).then((l) => (order.push('second'), l));
      const other = await acquireDeployLock(common, 'beta', { purpose: 'beta', whenBusy: 'refuse' });
      order.push('beta');
      await new Promise((r) => setTimeout(r, 30));
      order.push('release');
      await first.release();
      await (await second).release();
      await other.release();
      assert.deepEqual(order, ['beta', 'release', 'second']);
    } finally {
      await repo.remove();
    }
  });

  it('every code carries a mitigation a person can act on', () => {
    for (const [code, text] of Object.entries(DEPLOY_MITIGATIONS)) assert.ok(text.length > 30 && /[.:]/.test(text), code);
    assert.match(mitigationFor('RATE_LIMIT_EXCEEDED'), /250 requests a minute/);
    const e = new DeployError('HEALTH_CHECK_FAIL', 'x', { step: 'health' });
    assert.deepEqual(Object.keys(e.toJSON()), ['code', 'step', 'message', 'mitigation']);
  });

  it('client.validateRollback / rollback without a deployment id name their own operation in the error', async () => {
    const client = new AppPlatformClient({ baseUrl: 'http://127.0.0.1:9', budget: false });
    try {
      await assert.rejects(client.validateRollback('app-1', { deployment_id: '' }), (e: AppPlatformError) => e.code === 'ROLLBACK_INVALID' && e.operation === 'apps_validate_rollback');
      await assert.rejects(client.rollback('app-1', { deployment_id: '' }), (e: AppPlatformError) => e.code === 'ROLLBACK_INVALID' && e.operation === 'apps_create_rollback');
    } finally {
      await client.close();
    }
  });
});

describe('the deploy session', () => {
  let repo: RepoFixture;
  let client: AppPlatformClient;
  /** A real status file that counts how often it is read. */
  class CountingStore extends StatusStore {
    reads = 0;
    override read(...args: Parameters<StatusStore['read']>): ReturnType<StatusStore['read']> {
      this.reads++;
      return super.read(...args);
    }
  }
  const recorded = { alpha: 41_000, beta: 52_000 };

  before(async () => {
    repo = await RepoFixture.create({});
    client = new AppPlatformClient({ baseUrl: 'http://127.0.0.1:9', budget: false });
    const store = new StatusStore(path.join(repo.dir, '.git'));
    for (const [skill, durationMs] of Object.entries(recorded)) {
      const d = { target: 'local', appId: `app-${skill}`, deploymentId: `dep-${skill}`, phase: 'ACTIVE', commit: 'abcdef0' };
      await recordDeployment(store, skill, { ...d, durationMs, deployedAt: new Date().toISOString() });
    }
  });
  after(async () => {
    await client?.close();
    await repo?.remove();
  });

  it('a skill without a manifest is named at the configured skills location, not at skills/', async () => {
    const session = new DeploySession({ repoRoot: repo.dir, client, target: 'local', status: false, skillsLocation: 'agents' });
    await assert.rejects(session.skill('ghost'), (e: DeployError) => {
      assert.equal(e.code, 'SKILL_NOT_FOUND');
      assert.equal(e.message, `No skill named "ghost" in ${repo.dir} (agents/ghost/manifest.json is missing).`);
      return true;
    });
    const fallback = new DeploySession({ repoRoot: repo.dir, client, target: 'local', status: false });
    await assert.rejects(fallback.skill('ghost'), /\(skills\/ghost\/manifest\.json is missing\)/);
  });

  it('learned timings: a later call naming other skills seeds them too; the file is read once, and not while all are known', async () => {
    const store = new CountingStore(path.join(repo.dir, '.git'));
    const timings = new DeployTimings();
    timings.observe(1_234, 'alpha');
    const session = new DeploySession({ repoRoot: repo.dir, client, target: 'local', status: store, timings });
    await session.seedTimings(['alpha']);
    assert.equal(store.reads, 0, 'every skill of the first plan is known: no read');
    await session.seedTimings(['beta']);
    assert.equal(timings.expected('beta'), recorded.beta, 'the second plan\'s skill is seeded from the status file');
    assert.equal(timings.expected('alpha'), 1_234, 'what the session saw itself wins');
    assert.equal(store.reads, 1);
    await Promise.all([session.seedTimings(['beta', 'gamma']), session.seedTimings(['gamma'])]);
    assert.equal(store.reads, 1, 'read at most once per session');
    assert.equal(timings.knows('gamma'), false, 'a skill the file does not have learns nothing');
  });
});
