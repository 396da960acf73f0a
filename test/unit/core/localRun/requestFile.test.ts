/**
 * The example requests of the product's skills (skills/<name>/requests/*.json): each validates against the request
 * format, and each is answered 2xx by its skill running locally from a copy of the repository (odoo-rpc, whose secret is
 * unset, answers 503 naming it). Bad request files are refused naming the file and the field.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { invokeSkill } from '../../../../src/core/localRun/invoke';
import { localRunsDir } from '../../../../src/core/localRun/registry';
import { listRequestFiles, parseSkillRequest, readSkillRequest, RequestFileError } from '../../../../src/core/localRun/requestFile';
import { startLocalRun } from '../../../../src/core/localRun/runner';
import { loadSkills, type Skill } from '../../../../src/core/skills/loadSkills';
import { REPO_ROOT } from '../../../builders/platform';
import { RepoFixture } from '../../../builders/repo';

const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

describe('request files', () => {
  it('every skill of the repository has 2-3 example requests, each valid', async () => {
    const { skills } = await loadSkills(REPO_ROOT);
    assert.ok(skills.length >= 5);
    for (const skill of skills) {
      const files = await listRequestFiles(skill.dir);
      assert.ok(files.length >= 2 && files.length <= 3, `${skill.name}: ${files.length} request files`);
      for (const file of files) {
        const req = await readSkillRequest(file);
        assert.equal(req.method, 'POST', file);
        assert.equal(req.path, undefined, `${file}: the invoke path is the manifest's`);
        assert.ok(req.body && typeof req.body === 'object', file);
        assert.ok(req.description, `${file}: says what it shows`);
      }
    }
  });

  it('a bad request names the file and the field', async () => {
    assert.throws(() => parseSkillRequest('{"method": "FETCH"}', 'r.json'), (e: RequestFileError) => /^r\.json: method: /.test(e.message));
    assert.throws(() => parseSkillRequest('{"headers": {"x y": "1"}}', 'r.json'), /r\.json: headers\.x y: must be an HTTP header name/);
    assert.throws(() => parseSkillRequest('{"path": "invoke"}', '--data'), /--data: path: must be an absolute URL path/);
    assert.throws(() => parseSkillRequest('{"bodyy": 1}', 'r.json'), /r\.json: \(top level\): Unrecognized key/i);
    assert.throws(() => parseSkillRequest('{', 'r.json'), /r\.json: invalid JSON/);
    await assert.rejects(readSkillRequest('/nonexistent/x.json'), /\/nonexistent\/x\.json: no such file/);
    assert.deepEqual(parseSkillRequest('{"body": {"a": 1}}', 'r.json'), { method: 'POST', headers: {}, body: { a: 1 } });
  });
});

describe('the example requests against the skills running locally', () => {
  let repo: RepoFixture;
  let skills: Skill[];
  let runsDir: string;

  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'local-run-requests-' });
    for (const name of ['pr-review', 'nl-sql', 'design-tokens', 'visual-diff', 'odoo-rpc']) {
      await fs.cp(path.join(REPO_ROOT, 'skills', name), path.join(repo.dir, 'skills', name), {
        recursive: true, filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache'),
      });
      await fs.mkdir(path.join(repo.dir, 'infra'), { recursive: true });
      await fs.copyFile(path.join(REPO_ROOT, 'infra', `${name}.yaml`), path.join(repo.dir, 'infra', `${name}.yaml`));
    }
    await repo.commitAll('skills');
    skills = (await loadSkills(repo.dir)).skills;
    runsDir = (await localRunsDir(repo.dir))!;
  });
  after(() => repo?.remove());

  for (const name of ['pr-review', 'nl-sql', 'design-tokens', 'visual-diff', 'odoo-rpc']) {
    it(`${name}: each example gets its answer`, async () => {
      const skill = skills.find((s) => s.name === name)!;
      const run = await startLocalRun({ skill, root: repo.dir, runsDir, parentEnv: { PATH: process.env.PATH, HOME: process.env.HOME } });
      try {
        for (const file of await listRequestFiles(skill.dir)) {
          const res = await invokeSkill(run.url, await readSkillRequest(file), { invokePath: skill.manifest.invokePath });
          const base = path.basename(file);
          if (name === 'odoo-rpc') {
            assert.equal(res.status, 503, `${base}: ${res.text}`);
            assert.match(res.text, /not configured: set ODOO_API_KEY/);
          } else if (base === 'pull-request-url.json') {
            assert.ok(res.status >= 400 && res.status < 500 && /GITHUB_TOKEN/.test(res.text), `${base}: ${res.status} ${res.text}`);
          } else {
            assert.equal(res.status, 200, `${base}: ${res.text}`);
          }
        }
      } finally {
        await run.stop();
      }
    });
  }
});
