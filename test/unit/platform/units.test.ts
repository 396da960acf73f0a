/**
 * The local App Platform's pure parts: app-spec checks (against real specs), ingress routing, progress counters,
 * rollback validation (every DigitalOcean code), pagination, signed log URLs, rate limits, faults, the log store,
 * atomic writes and the CLI's command dispatch.
 */
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { main } from '../../../src/cli/odoobo';
import { INSTANCE_SIZE_SLUGS } from '../../../src/platform/catalog/catalog';
import type { CliCommand } from '../../../src/cli/command';
import { paginate } from '../../../src/platform/api/pagination';
import { RateLimiter } from '../../../src/platform/api/rateLimit';
import { abandonSteps, countSteps, finishStep, initialSteps, startStep } from '../../../src/platform/deploy/progress';
import { validateRollback } from '../../../src/platform/deploy/rollbackValidation';
import { FaultInjector } from '../../../src/platform/faults';
import { LogStore } from '../../../src/platform/logs/logStore';
import { signedLogUrl, verifyLogUrl } from '../../../src/platform/logs/signedUrls';
import { componentsOf, envOf, type AppSpec } from '../../../src/platform/spec/appSpec';
import { checkAppSpec } from '../../../src/platform/spec/checkSpec';
import { routeFor, routesOf, upstreamPath } from '../../../src/platform/spec/routes';
import type { AppRecord, DeploymentRecord, Phase } from '../../../src/platform/state/model';
import { DataDir } from '../../../src/platform/state/store';
import { AbortedError, sleep } from '../../../src/platform/util/abort';
import { CoalescingWriter } from '../../../src/platform/util/atomicFile';
import { REPO_ROOT, withTempDir } from '../../builders/platform';
import { OPENAPI_FILE } from '../../builders/platformApi';

const EXAMPLE_SPECS = path.resolve(path.dirname(OPENAPI_FILE), '../examples/specs');

function readSpec(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

const svc = (name: string, extra: Record<string, unknown> = {}): any => ({ name, git: { repo_clone_url: '/r', branch: 'main' }, run_command: 'run', ...extra });

describe('checkAppSpec', () => {
  it('accepts every app spec of the product (infra/*.yaml)', () => {
    // Base specs only: overlays (<skill>.<env>.yaml) and environments.yaml are not app specs on their own.
    const specs = readdirSync(path.join(REPO_ROOT, 'infra')).filter((f) => /^[^.]+\.ya?ml$/.test(f) && !/^environments\./.test(f));
    assert.ok(specs.length >= 5, `found ${specs.join(', ')}`);
    for (const f of specs) {
      const r = checkAppSpec(readSpec(path.join(REPO_ROOT, 'infra', f)));
      assert.ok(r.ok, `${f}: ${JSON.stringify(r)}`);
    }
  });

  it('never calls a valid DigitalOcean spec invalid: at most "unsupported locally"; the INVALID one is invalid', () => {
    for (const f of readdirSync(EXAMPLE_SPECS)) {
      const r = checkAppSpec(readSpec(path.join(EXAMPLE_SPECS, f)));
      if (f.includes('INVALID')) {
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.unsupported, false, f);
        assert.match(!r.ok ? r.errors.join() : '', /unknown field/);
      } else {
        assert.ok(r.ok || r.unsupported, `${f}: ${JSON.stringify(r)}`);
      }
    }
  });

  it('applies the name rule ^[a-z][a-z0-9-]{0,30}[a-z0-9]$ to apps and components', () => {
    for (const good of ['ab', 'a-b', 'a1', 'x'.repeat(32)]) assert.ok(checkAppSpec({ name: good, services: [svc('web')] }).ok, good);
    for (const bad of ['a', 'A1', '1a', 'a-', 'a_b', 'x'.repeat(33), '']) {
      assert.equal(checkAppSpec({ name: bad, services: [svc('web')] }).ok, false, bad);
      assert.equal(checkAppSpec({ name: 'ok', services: [svc(bad)] }).ok, false, `component ${bad}`);
    }
  });

  it('checks unique names, sources, ports, envs and health checks', () => {
    const bad = (spec: unknown, re: RegExp): void => {
      const r = checkAppSpec(spec, { instanceSizes: INSTANCE_SIZE_SLUGS });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.unsupported, false);
      assert.match(!r.ok ? r.errors.join('\n') : '', re);
    };
    bad({ name: 'ab', services: [svc('web'), svc('web')] }, /must be unique/);
    bad({ name: 'ab', services: [svc('web')], workers: [svc('web')] }, /must be unique/);
    bad({ name: 'ab', services: [{ name: 'web', run_command: 'x' }] }, /source is required/);
    bad({ name: 'ab', services: [svc('web', { github: { repo: 'nope', branch: 'main' }, git: undefined })] }, /owner\/name/);
    bad({ name: 'ab', services: [svc('web', { github: { repo: 'a/b' }, git: undefined })] }, /branch.*required/);
    bad({ name: 'ab', services: [svc('web', { http_port: 0 })] }, /http_port/);
    bad({ name: 'ab', services: [svc('web', { source_dir: '../elsewhere' })] }, /inside the repository/);
    bad({ name: 'ab', services: [svc('web', { envs: [{ key: 'OK', scope: 'SOMETIMES' }] })] }, /scope/);
    bad({ name: 'ab', services: [svc('web', { health_check: { http_path: 'health' } })] }, /http_path/);
    bad({ name: 'ab', services: [svc('web', { health_check: { failure_threshold: 0 } })] }, /failure_threshold/);
    bad({ name: 'ab', services: [svc('web', { instance_size_slug: 'apps-huge' })] }, /instance size/);
    bad({ name: 'ab', services: [svc('web')], surprise: 1 }, /unknown field/);
    const unsupported = checkAppSpec({ name: 'ab', services: [{ name: 'web', image: { registry_type: 'DOCR', repository: 'x' } }] });
    assert.ok(!unsupported.ok && unsupported.unsupported);
  });

  it('resolves envs by scope, SECRET values from the platform config, and ${APP_URL}', () => {
    const spec: AppSpec = {
      name: 'envs',
      envs: [{ key: 'APP_WIDE', value: 'a' }, { key: 'LINK', value: '${APP_URL}/x' }],
      services: [
        svc('web', {
          envs: [
            { key: 'RUN_ONLY', value: 'r', scope: 'RUN_TIME' },
            { key: 'BUILD_ONLY', value: 'b', scope: 'BUILD_TIME' },
            { key: 'TOKEN', type: 'SECRET', value: 'EV[1:abc]' },
            { key: 'OTHER', type: 'SECRET' },
            { key: 'APP_WIDE', value: 'overridden' },
          ],
        }),
      ],
    };
    const c = componentsOf(spec)[0].spec;
    const run = envOf(spec, c, 'RUN', { secrets: { 'envs/TOKEN': 'for-this-app', TOKEN: 'global' }, appUrl: 'http://127.0.0.1:9' });
    assert.deepEqual(run, { APP_WIDE: 'overridden', LINK: 'http://127.0.0.1:9/x', RUN_ONLY: 'r', TOKEN: 'for-this-app', OTHER: '' });
    const build = envOf(spec, c, 'BUILD', { appUrl: '' });
    assert.equal(build.BUILD_ONLY, 'b');
    assert.equal(build.RUN_ONLY, undefined);
    assert.equal(build.TOKEN, '', 'an encrypted value cannot be used locally');
  });
});

describe('ingress routes', () => {
  it('routes by the longest matching prefix and strips it unless preserved', () => {
    const spec: AppSpec = {
      name: 'ab',
      services: [svc('web'), svc('api')],
      ingress: {
        rules: [
          { match: { path: { prefix: '/' } }, component: { name: 'web' } },
          { match: { path: { prefix: '/api' } }, component: { name: 'api' } },
          { match: { path: { prefix: '/keep' } }, component: { name: 'api', preserve_path_prefix: true } },
          { match: { path: { prefix: '/v1' } }, component: { name: 'api', rewrite: '/v2' } },
        ],
      },
    };
    const routes = routesOf(spec);
    const to = (url: string): [string, string] => {
      const r = routeFor(routes, url)!;
      return [r.component, upstreamPath(url, r)];
    };
    assert.deepEqual(to('/'), ['web', '/']);
    assert.deepEqual(to('/apiary'), ['web', '/apiary'], 'prefixes match whole path segments');
    assert.deepEqual(to('/api'), ['api', '/']);
    assert.deepEqual(to('/api/users?x=1'), ['api', '/users?x=1']);
    assert.deepEqual(to('/api?x=1'), ['api', '/?x=1']);
    assert.deepEqual(to('/keep/me'), ['api', '/keep/me']);
    assert.deepEqual(to('/v1/items'), ['api', '/v2/items']);
  });

  it('falls back to the deprecated routes, then to / for the only service', () => {
    assert.deepEqual(routesOf({ name: 'ab', services: [svc('web')] }).map((r) => [r.prefix, r.component]), [['/', 'web']]);
    const legacy = routesOf({ name: 'ab', services: [svc('web', { routes: [{ path: '/w' }] })] });
    assert.deepEqual(legacy.map((r) => [r.prefix, r.component, r.preservePrefix]), [['/w', 'web', false]]);
    assert.equal(routeFor(legacy, '/other'), undefined);
  });
});

describe('deployment progress', () => {
  it('has DigitalOcean\'s tree and counts leaves', () => {
    const one = initialSteps(componentsOf({ name: 'ab', services: [svc('web')] }));
    assert.deepEqual(countSteps(one), { pending_steps: 6, running_steps: 0, success_steps: 0, error_steps: 0, skipped_steps: 0, total_steps: 6 });
    const two = initialSteps(componentsOf({ name: 'ab', services: [svc('web')], workers: [svc('jobs')] }));
    assert.equal(countSteps(two).total_steps, 9);
    assert.equal(two[0].steps![1].steps![1].message_base, 'Building worker');
  });

  it('derives parents from leaves, and ends early with one ERROR and the rest SKIPPED', () => {
    const steps = initialSteps(componentsOf({ name: 'ab', services: [svc('web')] }));
    startStep(steps, ['build', 'initialize']);
    assert.equal(steps[0].status, 'RUNNING');
    assert.equal(countSteps(steps).running_steps, 1);
    finishStep(steps, ['build', 'initialize']);
    startStep(steps, ['build', 'components', 'web']);
    finishStep(steps, ['build', 'components', 'web'], { code: 'BuildJobExitNonZero', message: 'boom' });
    abandonSteps(steps, { code: 'ignored', message: 'already failed' });
    assert.deepEqual(countSteps(steps), { pending_steps: 0, running_steps: 0, success_steps: 1, error_steps: 1, skipped_steps: 4, total_steps: 6 });
    assert.equal(steps[0].status, 'ERROR');
    assert.deepEqual(steps[0].reason, { code: 'BuildJobExitNonZero', message: 'boom' });
    assert.equal(steps[1].status, 'PENDING', 'top-level steps stay within the OpenAPI enum');
    assert.equal(steps[1].steps![0].status, 'SKIPPED');
    // Canceled before anything ran: the first leaf carries the reason, so doctl sees error_steps > 0.
    const queued = initialSteps(componentsOf({ name: 'ab', services: [svc('web')] }));
    abandonSteps(queued, { code: 'DeploymentCanceled', message: 'canceled' });
    assert.equal(countSteps(queued).error_steps, 1);
    assert.equal(queued[0].steps![0].reason!.code, 'DeploymentCanceled');
  });
});

describe('validateRollback', () => {
  let seq = 0;
  const dep = (phase: Phase, spec: Partial<AppSpec> = {}): DeploymentRecord => ({
    id: `d${++seq}`,
    spec: { name: 'ab', region: 'fra', services: [svc('web')], ...spec },
    cause: 'test',
    kind: 'deploy',
    phase,
    phaseLastUpdatedAt: '',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    updatedAt: '',
    steps: [],
    commits: {},
    tierSlug: 'basic',
  });
  const app = (deployments: DeploymentRecord[], extra: Partial<AppRecord> = {}): AppRecord => ({
    id: 'a',
    ownerUuid: 'o',
    spec: deployments[deployments.length - 1].spec,
    createdAt: '',
    updatedAt: '',
    ingressPort: 1,
    deployments,
    alerts: [],
    ...extra,
  });

  it('answers every DigitalOcean condition code', () => {
    const old = dep('SUPERSEDED');
    const failed = dep('ERROR');
    const canceled = dep('CANCELED');
    const building = dep('BUILDING');
    const active = dep('ACTIVE');
    const a = app([old, failed, canceled, building, active]);
    assert.deepEqual(validateRollback(a, old, 10, 'basic'), { valid: true, warnings: [] });
    assert.equal(validateRollback(a, failed, 10, 'basic').error?.code, 'incompatible_result');
    assert.equal(validateRollback(a, canceled, 10, 'basic').error?.message, 'deployment result "canceled" is unsuitable for rollback');
    assert.equal(validateRollback(a, building, 10, 'basic').error?.code, 'incompatible_phase');
    assert.equal(validateRollback(a, active, 10, 'basic').error?.code, 'incompatible_phase');
    assert.equal(validateRollback(a, old, 0, 'starter').error?.message, 'the deployment is past the maximum historical revision limit of 0 for the "starter" app tier');
    assert.equal(validateRollback(app([old, active], { pinnedDeploymentId: active.id }), old, 10, 'basic').error?.code, 'app_pinned');
    const otherRegion = dep('SUPERSEDED', { region: 'ams' });
    assert.equal(validateRollback(app([otherRegion, dep('ACTIVE')]), otherRegion, 10, 'basic').error?.code, 'region_conflict');
    const withDb = dep('SUPERSEDED', { databases: [{ name: 'db', engine: 'PG' }] });
    assert.equal(validateRollback(app([withDb, dep('ACTIVE')]), withDb, 10, 'basic').error?.code, 'database_config_conflict');
    const warned = dep('SUPERSEDED', {
      static_sites: [{ name: 'site' }],
      workers: [{ name: 'img', image: { registry_type: 'DOCR', repository: 'x', tag: 'latest' } }],
    });
    const current = dep('ACTIVE', { static_sites: [{ name: 'site' }] });
    const v = validateRollback(app([warned, current]), warned, 10, 'basic');
    assert.equal(v.valid, true);
    assert.deepEqual(v.warnings.map((w) => [w.code, w.components]), [
      ['static_site_requires_rebuild', ['site']],
      ['image_source_missing_digest', ['img']],
    ]);
  });
});

describe('paginate', () => {
  it('answers links.pages and meta.total like DigitalOcean', () => {
    const items = Array.from({ length: 45 }, (_, i) => i);
    const p1 = paginate(items, {}, 'http://x/v2/apps');
    assert.equal(p1.items.length, 20);
    assert.deepEqual(p1.links.pages, { next: 'http://x/v2/apps?page=2&per_page=20', last: 'http://x/v2/apps?page=3&per_page=20' });
    const p3 = paginate(items, { page: '3' }, 'http://x/v2/apps');
    assert.deepEqual(p3.items, [40, 41, 42, 43, 44]);
    assert.deepEqual(p3.links.pages, { first: 'http://x/v2/apps?page=1&per_page=20', prev: 'http://x/v2/apps?page=2&per_page=20' });
    assert.deepEqual(paginate([], {}, 'u'), { items: [], links: { pages: {} }, meta: { total: 0 } });
    assert.throws(() => paginate(items, { per_page: '201' }, 'u'), /per_page/);
  });
});

describe('signed log URLs', () => {
  it('grant exactly what they were signed for, until they expire', () => {
    const grant = { deploymentId: 'dep-1', type: 'RUN' as const, component: 'web', follow: true };
    const url = new URL(signedLogUrl('secret', 'http://127.0.0.1:1', 'live', grant, 1_000_000));
    assert.equal(url.protocol, 'ws:');
    const q = Object.fromEntries(url.searchParams) as Record<string, string>;
    assert.deepEqual(verifyLogUrl('secret', 'live', 'dep-1', 'RUN', q, 1_000_000), grant);
    assert.equal(verifyLogUrl('other-secret', 'live', 'dep-1', 'RUN', q, 1_000_000), undefined);
    assert.equal(verifyLogUrl('secret', 'archive', 'dep-1', 'RUN', q, 1_000_000), undefined);
    assert.equal(verifyLogUrl('secret', 'live', 'dep-2', 'RUN', q, 1_000_000), undefined);
    assert.equal(verifyLogUrl('secret', 'live', 'dep-1', 'BUILD', q, 1_000_000), undefined);
    assert.equal(verifyLogUrl('secret', 'live', 'dep-1', 'RUN', { ...q, component: 'api' }, 1_000_000), undefined);
    assert.equal(verifyLogUrl('secret', 'live', 'dep-1', 'RUN', q, 1_000_000 + 3601_000), undefined, 'expired');
  });
});

describe('RateLimiter and FaultInjector', () => {
  it('counts per hour and per minute', () => {
    const r = new RateLimiter({ perHour: 3, perMinute: 2 }, true);
    assert.equal(r.hit('t', 0).retryAfter, undefined);
    assert.equal(r.hit('t', 1000).headers['ratelimit-remaining'], '1');
    assert.equal(r.hit('t', 2000).retryAfter, 58);
    assert.equal(r.hit('t', 61_000).retryAfter, 3539, 'per-hour limit once the minute is over');
    assert.equal(new RateLimiter({ perHour: 1, perMinute: 1 }, false).hit('t').retryAfter, undefined);
  });

  it('consumes counted faults and keeps `true` ones', () => {
    const f = new FaultInjector({ failBuilds: 2, failHealthChecks: true, tooManyRequests: { count: 1, retryAfterSeconds: 3 } });
    assert.deepEqual([f.takeBuildFailure(), f.takeBuildFailure(), f.takeBuildFailure()], [true, true, false]);
    assert.deepEqual([f.takeHealthFailure(), f.takeHealthFailure()], [true, true]);
    assert.deepEqual([f.takeTooManyRequests(), f.takeTooManyRequests()], [3, undefined]);
    f.merge({ dropLiveLogs: 1 });
    assert.deepEqual([f.takeLiveLogDrop(), f.takeLiveLogDrop(), f.current.dropLiveLogs], [true, false, 0]);
    assert.throws(() => f.replace({ buildMs: -5 }));
    assert.throws(() => f.merge({ nonsense: 1 } as never));
  });
});

describe('LogStore', () => {
  it('stores DigitalOcean-style lines and delivers each line exactly once to a follower that joins mid-stream', async () => {
    await withTempDir(async (dir) => {
      const logs = new LogStore(new DataDir(dir));
      logs.begin('d', 'RUN');
      for (let i = 0; i < 50; i++) logs.append('d', 'RUN', i % 2 ? 'web' : 'api', `early ${i}`);
      const got: string[] = [];
      let ended = false;
      const following = logs.follow('d', 'RUN', 'web', true, (l) => got.push(l), () => (ended = true));
      for (let i = 50; i < 100; i++) logs.append('d', 'RUN', i % 2 ? 'web' : 'api', `late ${i}`);
      await following;
      for (let i = 100; i < 120; i++) logs.append('d', 'RUN', 'web', `later ${i}`);
      logs.end('d', 'RUN');
      await logs.flush();
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(ended);
      const texts = got.map((l) => l.replace(/^web \S+ /, '').trim());
      const expected = [
        ...Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2).map((i) => `early ${i}`),
        ...Array.from({ length: 50 }, (_, i) => i + 50).filter((i) => i % 2).map((i) => `late ${i}`),
        ...Array.from({ length: 20 }, (_, i) => `later ${i + 100}`),
      ];
      assert.deepEqual(texts, expected);
      for (const l of got) assert.match(l, /^web \d{4}-\d\d-\d\dT[\d:.]+Z .+\n$/);
      assert.equal((await logs.read('d', 'RUN')).split('\n').filter(Boolean).length, 120);
      assert.equal((await logs.read('d', 'RUN', 'api')).split('\n').filter(Boolean).length, 50);
    });
  });
});

describe('sleep (the platform\'s phases wait with it)', () => {
  it('waits, and rejects with AbortedError when its signal fires before or while it waits', async () => {
    const t0 = Date.now();
    await sleep(30);
    assert.ok(Date.now() - t0 >= 25, 'it waited');
    const ac = new AbortController();
    const pending = sleep(10_000, ac.signal);
    setTimeout(() => ac.abort(), 5);
    const t1 = Date.now();
    await assert.rejects(pending, AbortedError);
    assert.ok(Date.now() - t1 < 1_000, 'the abort ended the wait at once');
    await assert.rejects(sleep(0, ac.signal), AbortedError, 'already aborted: rejects even for no wait');
  });
});

describe('CoalescingWriter', () => {
  it('writes atomically and ends with the newest content', async () => {
    await withTempDir(async (dir) => {
      const w = new CoalescingWriter();
      const file = path.join(dir, 'state.json');
      await Promise.all(Array.from({ length: 50 }, (_, i) => w.write(file, () => JSON.stringify({ i }))));
      await w.flush();
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { i: 49 });
      assert.deepEqual(await fs.readdir(dir), ['state.json'], 'no temporary files left');
    });
  });

  it('makes every change of one turn of the event loop one write, rendered after the last of them', async () => {
    await withTempDir(async (dir) => {
      const w = new CoalescingWriter();
      const file = path.join(dir, 'state.json');
      const state = { phase: 'BUILDING', steps: 0 };
      let renders = 0;
      const render = () => {
        renders++;
        return JSON.stringify(state);
      };
      const writes = [w.write(file, render)];
      state.steps = 1;
      writes.push(w.write(file, render));
      state.phase = 'DEPLOYING';
      writes.push(w.write(file, render));
      await Promise.all(writes);
      assert.equal(renders, 1);
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { phase: 'DEPLOYING', steps: 1 });
    });
  });

  it('lets a lazy write wait for more, unless an eager write of the file takes it along; flush writes it at once', async () => {
    await withTempDir(async (dir) => {
      const w = new CoalescingWriter();
      const file = path.join(dir, 'state.json');
      const exists = () => fs.access(file).then(() => true, () => false);
      let lazyDone = false;
      const lazy = w.write(file, () => '{"step":1}', 200).then(() => (lazyDone = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await exists(), false, 'a lazy write waits');
      assert.equal(lazyDone, false);
      // An eager write within the wait: one write of the newest content, and both requests settle with it.
      const t0 = Date.now();
      await Promise.all([w.write(file, () => '{"phase":"ACTIVE"}'), lazy]);
      assert.ok(Date.now() - t0 < 150, 'the eager write did not wait for the lazy one');
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { phase: 'ACTIVE' });
      // A lazy write is written within its wait by itself ...
      await w.write(file, () => '{"step":2}', 30);
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { step: 2 });
      // ... and at once by flush (a platform shutting down).
      const pending = w.write(file, () => '{"step":3}', 60_000);
      const t1 = Date.now();
      await w.flush();
      await pending;
      assert.ok(Date.now() - t1 < 1000);
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { step: 3 });
      assert.deepEqual(await fs.readdir(dir), ['state.json']);
    });
  });

  it('settles every request when a write fails, and the next write succeeds', async () => {
    await withTempDir(async (dir) => {
      const w = new CoalescingWriter();
      // A folder where the file should be: the rename over it fails.
      const file = path.join(dir, 'state.json');
      await fs.mkdir(file);
      await fs.writeFile(path.join(file, 'x'), 'keeps the folder non-empty');
      const results = await Promise.allSettled([w.write(file, () => '{"a":1}'), w.write(file, () => '{"a":2}')]);
      assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
      await w.flush();
      await fs.rm(file, { recursive: true });
      await w.write(file, () => '{"a":3}');
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { a: 3 });
    });
  });
});

describe('odoobo CLI dispatch', () => {
  const io = (): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void; env: NodeJS.ProcessEnv } } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l), env: {} } };
  };
  const fake: CliCommand = { path: ['thing', 'do'], summary: 'does a thing', help: 'Usage: odoobo thing do', run: async (args) => (args.includes('--fail') ? 3 : 0) };

  it('routes words to commands and prints help', async () => {
    const a = io();
    assert.equal(await main(['thing', 'do'], a.io, [fake]), 0);
    assert.equal(await main(['thing', 'do', '--fail'], a.io, [fake]), 3);
    const b = io();
    assert.equal(await main(['--help'], b.io, [fake]), 0);
    assert.match(b.out.join('\n'), /thing do\s+does a thing/);
    const c = io();
    assert.equal(await main(['thing', 'undo'], c.io, [fake]), 2);
    assert.match(c.err.join('\n'), /unknown command "thing undo"/);
    const d = io();
    assert.equal(await main(['platform', 'start', '--port', 'abc', '--token', 't'], d.io), 2);
    assert.match(d.err.join('\n'), /--port must be a port number/);
    const e = io();
    assert.equal(await main(['platform', 'start', '--bogus'], e.io), 2);
    assert.match(e.err.join('\n'), /Unknown option '--bogus'/);
  });
});
