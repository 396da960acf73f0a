// `odoobo deploy` before it deploys: a warning per skill with unpushed commits or uncommitted changes, and --push.
// The target is a closed port, so nothing is deployed: what is asserted happens before the target is asked.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/odoobo';
import { git, RepoFixture } from '../../builders/repo';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function odoobo(argv: string[]): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false });
  const json = argv.includes('--json') ? JSON.parse(out.join('\n')) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo deploy: unpushed commits and uncommitted changes', () => {
  let repo: RepoFixture;
  let alpha: string;
  let target: string[];

  before(async () => {
    const skills = [{ name: 'alpha', port: 8080 }, { name: 'beta', port: 8081 }];
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-cli-push-', skills });
    alpha = await repo.addWorktree('alpha', { push: true });
    await repo.addWorktree('beta', { push: true });
    await fs.writeFile(path.join(alpha, 'skills', 'alpha', 'feature.py'), 'X = 1\n');
    await repo.commitAll('alpha: not pushed', alpha);
    await fs.writeFile(path.join(alpha, 'scratch.txt'), 'wip\n');
    target = ['--target', 'local', '--api-url', `http://127.0.0.1:${await closedPort()}`, '-C', repo.dir];
  });
  after(() => repo.remove());

  it('warns once per skill with work origin lacks, and pushes nothing', async () => {
    const before = (await git(repo.originDir, 'rev-parse', 'skill/alpha')).trim();
    const r = await odoobo(['deploy', 'alpha', 'beta', ...target]);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 1, r.err);
    assert.match(warnings[0], /^warning: alpha: 1 commit not on origin\/skill\/alpha, 1 uncommitted file in .*: /);
    assert.match(warnings[0], /: the deploy builds origin\/skill\/alpha without it \(push first, or deploy with --push\)$/);
    assert.equal((await git(repo.originDir, 'rev-parse', 'skill/alpha')).trim(), before, 'nothing pushed without --push');
  });

  it('--push pushes the branch first (the uncommitted file still gets a warning)', async () => {
    const r = await odoobo(['deploy', 'alpha', '--push', ...target]);
    assert.match(r.err, /^alpha: pushed skill\/alpha to origin$/m);
    assert.equal((await git(repo.originDir, 'rev-parse', 'skill/alpha')).trim(), (await git(alpha, 'rev-parse', 'HEAD')).trim());
    assert.match(r.err, /^warning: alpha: 1 uncommitted file in .*\(commit them, then deploy with --push\)$/m);
    assert.doesNotMatch(r.err, /commit not on origin/);
  });

  it('a push origin rejects stops that skill with a clear error, never forces, exit 1', async () => {
    const other = path.join(repo.base, 'other');
    await git(repo.base, 'clone', '-q', '-b', 'skill/alpha', repo.originDir, other);
    await git(other, '-c', 'user.name=O', '-c', 'user.email=o@x.invalid', 'commit', '-q', '--allow-empty', '-m', 'theirs');
    await git(other, 'push', '-q', 'origin', 'skill/alpha');
    const theirs = (await git(other, 'rev-parse', 'HEAD')).trim();
    await git(repo.dir, 'fetch', '-q', 'origin');
    await repo.commitAll('alpha: ours', alpha);
    const r = await odoobo(['deploy', 'alpha', '--push', '--json', ...target]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: alpha is not deployed: pushing skill\/alpha to origin failed: PUSH_REJECTED: /m);
    assert.deepEqual(r.json.pushFailures.map((f: { skill: string; code: string }) => [f.skill, f.code]), [['alpha', 'PUSH_REJECTED']]);
    assert.deepEqual(r.json.results, [], 'alpha was not deployed');
    assert.equal((await git(repo.originDir, 'rev-parse', 'skill/alpha')).trim(), theirs, 'not forced');
  });
});
