import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { scaffoldSkill, SkillExistsError } from '../../../../src/core/skills/scaffold';
import { loadSkills } from '../../../../src/core/skills/loadSkills';
import { InvalidSkillNameError } from '../../../../src/core/skills/names';

describe('scaffoldSkill', () => {
  it('writes a skill that loads, with an app spec on its branch', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-scaffold-'));
    try {
      const out = await scaffoldSkill(root, { name: 'hello-world', description: 'Says hello' });
      const { skills, problems } = await loadSkills(root);
      assert.deepEqual(problems, []);
      assert.equal(skills[0].name, 'hello-world');
      assert.equal(skills[0].appSpecExists, true);
      const spec = parse(await fs.readFile(out.appSpecPath, 'utf8'));
      assert.equal(spec.services[0].github.branch, 'skill/hello-world');
      assert.equal(spec.services[0].health_check.http_path, '/health');
      assert.match(await fs.readFile(path.join(out.dir, 'main.py'), 'utf8'), /@app.get\("\/health"\)/);
      await assert.rejects(scaffoldSkill(root, { name: 'hello-world', description: 'again' }), SkillExistsError);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('rejects hostile names before touching the file system', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-scaffold-'));
    try {
      for (const name of ['../escape', '-rf', 'a;b', 'has space']) {
        await assert.rejects(scaffoldSkill(root, { name, description: 'x' }), InvalidSkillNameError);
      }
      assert.deepEqual(await fs.readdir(root), []);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
