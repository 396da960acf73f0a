/**
 * The pre-flight diff against the real local App Platform: a deployed skill's live spec against a changed one (secrets
 * masked, a unified diff), the commits between the live commit and the new one from a real repository, the monthly
 * cost before and after from propose and the instance sizes; and that nothing on the platform changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deploySkill } from '../../../../src/core/deploy';
import { prepareSpec } from '../../../../src/core/deploy/spec';
import { lintAppSpec } from '../../../../src/core/appspec';
import type { AppSpec } from '../../../../src/core/do/schemas';
import { loadSkills } from '../../../../src/core/skills/loadSkills';
import { formatPreflight, maskedSpecYaml, MASKED, originBranchHead, preflight } from '../../../../src/core/release/diff';
import { DeployFixture } from '../../../builders/deploy';
import { git } from '../../../builders/repo';

const GH_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(4)}`;

describe('pre-flight diff on the local App Platform', () => {
  let fx: DeployFixture;
  let liveCommit = '';
  before(async () => {
    fx = await DeployFixture.start({ realSkill: 'pr-review' });
    const r = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    liveCommit = r.commit!;
  });
  after(async () => {
    await fx?.stop();
  });

  async function prepared(): Promise<AppSpec> {
    const skill = (await loadSkills(fx.repoDir)).skills.find((s) => s.name === 'pr-review')!;
    return (await prepareSpec(skill, { repoRoot: fx.repoDir, lint: lintAppSpec })).spec;
  }

  it('the spec just deployed: no spec change, no commit going live, the same price', async () => {
    const p = await preflight({ client: fx.client, repoRoot: fx.repoDir, spec: await prepared(), commit: liveCommit });
    assert.equal(p.specChanged, false, p.patch);
    assert.equal(p.liveCommit, liveCommit);
    assert.deepEqual(p.commits.going, []);
    assert.match(p.commits.note ?? '', /is the new one/);
    assert.equal(p.cost.before?.appCost, 5);
    assert.equal(p.cost.after.appCost, 5);
    assert.equal(p.cost.delta, 0);
  });

  it('a bigger, changed spec and two new commits: the diff, the commits in order, the cost, secrets masked, nothing changed', async () => {
    await fx.editSpec('pr-review', (t) => t.replace('instance_size_slug: apps-s-1vcpu-0.5gb', 'instance_size_slug: apps-s-1vcpu-1gb')
      .replace('instance_count: 1', 'instance_count: 2'));
    await git(fx.repoDir, 'commit', '-qam', 'pr-review: two bigger instances');
    await fx.editSpec('pr-review', (t) => `${t}# a note\n`);
    await git(fx.repoDir, 'commit', '-qam', 'pr-review: a note');
    await git(fx.repoDir, 'push', '-q', 'origin', 'skill/pr-review');
    const head = await originBranchHead(fx.repoDir, 'skill/pr-review');
    assert.equal(head, (await git(fx.repoDir, 'rev-parse', 'HEAD')).trim());
    const spec = await prepared();
    const service = (spec.services as Array<Record<string, unknown>>)[0];
    service.envs = [...(service.envs as unknown[]),
      { key: 'LOG_LEVEL', value: 'debug' },
      { key: 'DB_PASSWORD', value: 'correct-horse-battery', type: 'SECRET' },
      { key: 'GITHUB_TOKEN', value: 'plain-but-named-like-a-secret' },
      { key: 'NOTES', value: `leaked ${GH_TOKEN} here` },
    ];
    const app = await fx.app('pr-review');
    const deploymentsBefore = (await fx.deployments(app.id)).length;

    const p = await preflight({ client: fx.client, repoRoot: fx.repoDir, spec, commit: head });
    assert.equal(p.appId, app.id);
    assert.equal(p.specChanged, true);
    assert.match(p.patch, /^--- live\/pr-review\.yaml\tlive$/m);
    assert.match(p.patch, /^-\s+instance_count: 1$/m);
    assert.match(p.patch, /^\+\s+instance_count: 2$/m);
    assert.match(p.patch, /^\+\s+instance_size_slug: apps-s-1vcpu-1gb$/m);
    assert.match(p.patch, /^\+\s+value: debug$/m, 'a plain value is shown');
    for (const secret of ['correct-horse-battery', 'plain-but-named-like-a-secret', GH_TOKEN]) {
      assert.ok(!p.patch.includes(secret) && !p.nextYaml.includes(secret), `${secret.slice(0, 6)}… is masked`);
    }
    assert.match(p.nextYaml, /key: DB_PASSWORD\n\s+type: SECRET\n\s+value: \(masked\)\n/);
    assert.match(p.nextYaml, /key: GITHUB_TOKEN\n\s+value: \(masked\)\n/);
    assert.match(p.nextYaml, /leaked ghp_… \(44 characters\) here/);
    assert.deepEqual(p.commits.going.map((c) => c.subject), ['pr-review: a note', 'pr-review: two bigger instances']);
    assert.deepEqual(p.commits.leaving, []);
    assert.equal(p.cost.before?.appCost, 5);
    assert.equal(p.cost.after.appCost, 24);
    assert.equal(p.cost.delta, 19);
    const line = { kind: 'services', component: 'pr-review', size: 'apps-s-1vcpu-1gb', count: 2, usdPerMonth: 24 };
    assert.deepEqual(p.cost.after.lines, [line]);
    const text = formatPreflight(p).join('\n');
    assert.match(text, /^Commits going live: 2$/m);
    assert.match(text, /^Monthly cost: \$5\/month → \$24\/month \(\+\$19\/month\)$/m);
    assert.ok(!text.includes('correct-horse-battery'));

    const now = await fx.app('pr-review');
    assert.equal((await fx.deployments(app.id)).length, deploymentsBefore, 'no deployment was created');
    assert.equal(now.spec.services[0].instance_count, 1, 'the live spec is unchanged');
  });

  it('live ahead of the new commit (a step back): the commits that stop serving are listed', async () => {
    const [first] = (await git(fx.repoDir, 'rev-list', '--max-parents=0', 'HEAD')).trim().split('\n');
    const p = await preflight({ client: fx.client, repoRoot: fx.repoDir, spec: await prepared(), commit: first });
    assert.equal(p.liveCommit, liveCommit);
    assert.deepEqual(p.commits.going, []);
    assert.deepEqual(p.commits.leaving.map((c) => c.sha), [liveCommit]);
    assert.match(formatPreflight(p).join('\n'), /^Commits no longer live: 1$/m);
  });

  it('an app that does not exist yet: everything is added, the last commits are listed, no cost before', async () => {
    const spec = { ...(await prepared()), name: 'ghost' };
    const p = await preflight({ client: fx.client, repoRoot: fx.repoDir, spec, commit: liveCommit });
    assert.equal(p.appId, undefined);
    assert.equal(p.liveYaml, '');
    assert.match(p.patch, /^\+name: ghost$/m);
    assert.equal(p.cost.before, undefined);
    assert.equal(p.cost.delta, undefined);
    assert.match(p.commits.note ?? '', /no live deployment/);
    assert.ok(p.commits.going.some((c) => c.sha === liveCommit));
    assert.match(formatPreflight(p)[0], /does not exist yet/);
  });
});

describe('maskedSpecYaml', () => {
  it('masks SECRET, encrypted and secret-named values; keeps bindable references and public keys; orders keys', () => {
    const yaml = maskedSpecYaml({
      region: 'fra',
      name: 'x',
      envs: [
        { value: 'EV[1:abc:def]', key: 'A', type: 'GENERAL' },
        { key: 'DB_PASSWORD', value: '${db.PASSWORD}' },
        { key: 'PUBLIC_KEY', value: 'ssh-ed25519 AAAA' },
        { key: 'API_KEY', value: 'not-a-known-shape' },
      ],
    });
    assert.equal(yaml, [
      'name: x',
      'envs:',
      '  - key: A',
      '    type: GENERAL',
      `    value: ${MASKED}`,
      '  - key: DB_PASSWORD',
      '    value: ${db.PASSWORD}',
      '  - key: PUBLIC_KEY',
      '    value: ssh-ed25519 AAAA',
      '  - key: API_KEY',
      `    value: ${MASKED}`,
      'region: fra',
      '',
    ].join('\n'));
  });
});
