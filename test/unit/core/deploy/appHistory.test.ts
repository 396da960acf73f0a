import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppHistoryLoader, type AppHistoryClient } from '../../../../src/core/deploy/appHistory';
import { deploymentAt } from '../../../builders/do';

const TOKEN = 'dop_v1_' + 'b2'.repeat(32);

/** A client whose every listing answers with deployments named after the call (`dep-<call>-<i>`). */
function fakeConnect(options: { fail?: Error; noApp?: boolean; delays?: number[]; count?: number } = {}) {
  const calls = { connects: 0, finds: 0, lists: 0, closes: 0, perPage: [] as Array<number | undefined> };
  const client: AppHistoryClient = {
    async findAppByName(name) {
      calls.finds++;
      if (options.fail) throw options.fail;
      return options.noApp ? undefined : ({ id: `app-${name}`, spec: { name } });
    },
    async listDeployments(_appId, o) {
      const call = ++calls.lists;
      calls.perPage.push(o?.per_page);
      const delay = options.delays?.[call - 1] ?? 0;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      return { deployments: Array.from({ length: options.count ?? 2 }, (_, i) => deploymentAt({ id: `dep-${call}-${i}`, phase: i === 0 ? 'ACTIVE' : 'SUPERSEDED' })) };
    },
  };
  const connect = async () => {
    calls.connects++;
    return { client, close: async () => void calls.closes++ };
  };
  return { calls, connect };
}

const ids = (h: { deployments: readonly { id?: string }[] } | undefined) => h?.deployments.map((d) => d.id);

describe('app history loader (one read for the tree and the dashboard)', () => {
  it('reads once for concurrent and repeated loads, and again on refresh or for another target', async () => {
    const { calls, connect } = fakeConnect({ delays: [10] });
    const loader = new AppHistoryLoader(connect);
    const [a, b] = await Promise.all([loader.load('local', 'alpha'), loader.load('local', 'alpha')]);
    assert.equal(a, b);
    assert.equal(a.app?.id, 'app-alpha');
    assert.deepEqual(ids(a), ['dep-1-0', 'dep-1-1']);
    assert.equal(await loader.load('local', 'alpha'), a);
    assert.equal(calls.lists, 1);
    assert.deepEqual(ids(await loader.load('local', 'alpha', { refresh: true })), ['dep-2-0', 'dep-2-1']);
    await loader.load('digitalocean', 'alpha');
    assert.equal(calls.lists, 3, 'a refresh and another target read again');
    assert.equal(calls.closes, calls.connects, 'every connection is closed');
  });

  it('asks for `limit` deployments and keeps no more', async () => {
    const { calls, connect } = fakeConnect({ count: 8 });
    const h = await new AppHistoryLoader(connect, { limit: 5 }).load('local', 'alpha');
    assert.deepEqual(calls.perPage, [5]);
    assert.equal(h.deployments.length, 5);
  });

  it('expires its cache, and forgets one skill on every target or everything on invalidate', async () => {
    let now = 0;
    const { calls, connect } = fakeConnect();
    const loader = new AppHistoryLoader(connect, { ttlMs: 1000, now: () => now });
    await loader.load('local', 'alpha');
    now = 999;
    await loader.load('local', 'alpha');
    assert.equal(calls.lists, 1);
    now = 1000;
    assert.equal(loader.cached('local', 'alpha'), undefined);
    await loader.load('local', 'alpha');
    assert.equal(calls.lists, 2);
    await loader.load('digitalocean', 'alpha');
    await loader.load('local', 'beta');
    loader.invalidate('alpha');
    assert.equal(loader.cached('local', 'alpha'), undefined);
    assert.equal(loader.cached('digitalocean', 'alpha'), undefined);
    assert.ok(loader.cached('local', 'beta'), 'another skill stays');
    loader.invalidate();
    assert.equal(loader.cached('local', 'beta'), undefined);
  });

  it('answers a read that was in flight when its skill was invalidated, but does not keep it', async () => {
    const { calls, connect } = fakeConnect({ delays: [30] });
    const loader = new AppHistoryLoader(connect);
    const pending = loader.load('local', 'alpha');
    await new Promise((r) => setTimeout(r, 5));
    loader.invalidate('alpha');
    assert.deepEqual(ids(await pending), ['dep-1-0', 'dep-1-1'], 'whoever asked still gets an answer');
    assert.equal(loader.cached('local', 'alpha'), undefined, 'it may predate what invalidated it');
    assert.deepEqual(ids(await loader.load('local', 'alpha')), ['dep-2-0', 'dep-2-1']);
    assert.equal(calls.lists, 2);
  });

  it('keeps the refresh when a slower read it replaced ends after it', async () => {
    const { connect } = fakeConnect({ delays: [40, 5] });
    const loader = new AppHistoryLoader(connect);
    const older = loader.load('local', 'alpha');
    await new Promise((r) => setTimeout(r, 5));
    const newer = await loader.load('local', 'alpha', { refresh: true });
    assert.deepEqual(ids(newer), ['dep-2-0', 'dep-2-1']);
    assert.deepEqual(ids(await older), ['dep-1-0', 'dep-1-1'], 'the replaced read answers those who asked for it');
    assert.equal(loader.cached('local', 'alpha'), newer, 'and does not overwrite the newer one');
  });

  it('turns errors into a redacted message that is not cached, and a missing app into an empty history', async () => {
    const failing = new AppHistoryLoader(fakeConnect({ fail: new Error(`401 Unauthorized for Bearer ${TOKEN}`) }).connect);
    const r = await failing.load('local', 'alpha');
    assert.equal(r.app, undefined);
    assert.deepEqual(r.deployments, []);
    assert.match(r.error ?? '', /401 Unauthorized/);
    assert.ok(!r.error?.includes(TOKEN), 'the token is not in the message');
    assert.equal(failing.cached('local', 'alpha'), undefined, 'errors are not cached');
    const refused = new AppHistoryLoader(async () => Promise.reject(new Error('No DigitalOcean token is stored.')));
    assert.equal((await refused.load('digitalocean', 'alpha')).error, 'No DigitalOcean token is stored.');
    const { calls, connect } = fakeConnect({ noApp: true });
    const empty = await new AppHistoryLoader(connect).load('local', 'alpha');
    assert.deepEqual({ app: empty.app, deployments: empty.deployments, error: empty.error }, { app: undefined, deployments: [], error: undefined });
    assert.equal(calls.lists, 0, 'no app, no listing');
  });
});
