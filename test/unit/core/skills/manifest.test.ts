import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseManifest, loadSkills, formatSkillProblem } from '../../../../src/core/skills/loadSkills';
import { assertSkillName, branchForSkill, InvalidSkillNameError, isValidSkillName, skillForBranch } from '../../../../src/core/skills/names';
import { manifestFor, RepoFixture } from '../../../builders/repo';

const valid = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...manifestFor({ name: 'pr-review' }), ...overrides }, null, 2);

describe('skill names', () => {
  it('accepts App Platform component names', () => {
    for (const n of ['pr-review', 'odoo-rpc', 'nl-sql', 'ab', 'a1', 'x'.repeat(32)]) assert.ok(isValidSkillName(n), n);
  });
  it('rejects hostile and invalid names before they reach git or the file system', () => {
    for (const n of ['', 'a', '..', '../etc', 'a/b', 'a\\b', 'a;rm -rf', 'has space', '-rf', '--force', 'Upper', '1abc', 'abc-', 'x'.repeat(33), 'a..b', 'skill\nname']) {
      assert.equal(isValidSkillName(n), false, JSON.stringify(n));
      assert.throws(() => branchForSkill(n), InvalidSkillNameError);
    }
  });
  it('names the reason', () => {
    assert.throws(() => assertSkillName('-rf'), /starts with "-"/);
    assert.throws(() => assertSkillName('a/b'), /path separator/);
    assert.throws(() => assertSkillName('a b'), /whitespace/);
  });
  it('maps branches to skills and back', () => {
    assert.equal(branchForSkill('nl-sql'), 'skill/nl-sql');
    assert.equal(skillForBranch('refs/heads/skill/nl-sql'), 'nl-sql');
    assert.equal(skillForBranch('skill/nl-sql'), 'nl-sql');
    assert.equal(skillForBranch('main'), undefined);
    assert.equal(skillForBranch('skill/../x'), undefined);
    assert.equal(skillForBranch(undefined), undefined);
  });
});

describe('parseManifest', () => {
  it('parses a valid manifest and fills defaults', () => {
    const { manifest, problems } = parseManifest('pr-review', 'm.json', valid());
    assert.deepEqual(problems, []);
    assert.equal(manifest?.name, 'pr-review');
    assert.equal(manifest?.healthPath, '/health');
    assert.equal(manifest?.metadataPath, '/metadata');
    assert.deepEqual(manifest?.env, []);
  });

  it('reports invalid JSON with its line and column', () => {
    const { manifest, problems } = parseManifest('pr-review', 'm.json', '{\n  "name": "pr-review",\n  "port": ,\n}');
    assert.equal(manifest, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 3);
    assert.match(problems[0].message, /invalid JSON \(ValueExpected\)/);
  });

  it('refuses comments, trailing commas and an empty file, each with its place', () => {
    const comment = parseManifest('pr-review', 'm.json', '{\n  "name": "pr-review"\n  // the port\n}');
    assert.deepEqual([comment.problems[0]?.line, comment.manifest], [3, undefined]);
    assert.match(comment.problems[0].message, /invalid JSON \(InvalidCommentToken\)/);
    const trailing = parseManifest('pr-review', 'm.json', '{\n  "name": "pr-review",\n}');
    assert.match(trailing.problems[0].message, /invalid JSON \(\w+\)/);
    assert.equal(trailing.problems[0].line, 3);
    const empty = parseManifest('pr-review', 'm.json', '');
    assert.deepEqual([empty.manifest, empty.problems.length, empty.problems[0].line], [undefined, 1, 1]);
    assert.match(empty.problems[0].message, /invalid JSON/);
  });

  it('reports a wrong field with its name and line', () => {
    const text = valid({ port: 'eighty' });
    const { problems } = parseManifest('pr-review', 'skills/pr-review/manifest.json', text);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].field, 'port');
    const expectedLine = text.split('\n').findIndex((l) => l.includes('"port"')) + 1;
    assert.equal(problems[0].line, expectedLine);
    assert.match(formatSkillProblem(problems[0]), new RegExp(`^skills/pr-review/manifest.json:${expectedLine}:\\d+: port: `));
  });

  it('reports a missing required field', () => {
    const m = manifestFor({ name: 'pr-review' }) as Record<string, unknown>;
    delete m.run;
    const { problems } = parseManifest('pr-review', 'm.json', JSON.stringify(m));
    assert.deepEqual(problems.map((p) => p.field), ['run']);
  });

  it('rejects unknown fields, hostile names and paths outside infra/', () => {
    assert.equal(parseManifest('pr-review', 'm', valid({ colour: 'blue' })).problems.length, 1);
    const hostile = parseManifest('pr-review', 'm', valid({ name: '../../etc' })).problems;
    assert.equal(hostile[0].field, 'name');
    assert.match(hostile[0].message, /invalid skill name/);
    assert.equal(parseManifest('pr-review', 'm', valid({ appSpec: '../infra/x.yaml' })).problems[0].field, 'appSpec');
    assert.equal(parseManifest('pr-review', 'm', valid({ appSpec: 'specs/x.yaml' })).problems[0].field, 'appSpec');
    assert.equal(parseManifest('pr-review', 'm', valid({ healthPath: 'health' })).problems[0].field, 'healthPath');
    assert.equal(parseManifest('pr-review', 'm', valid({ env: [{ key: 'bad key' }] })).problems[0].field, 'env[0].key');
  });

  it('requires the folder name to match the manifest name', () => {
    const { problems } = parseManifest('other', 'm.json', valid());
    assert.equal(problems[0].field, 'name');
    assert.match(problems[0].message, /does not match the folder name "other"/);
  });
});

describe('loadSkills', () => {
  let repo: RepoFixture;
  after(() => repo?.remove());

  it('loads valid skills, reports invalid ones with file and field, and keeps going', async () => {
    repo = await RepoFixture.create({
      skills: [
        { name: 'alpha' },
        { name: 'beta', appSpec: false },
        { name: 'broken', rawManifest: '{ "name": "broken", ' },
        { name: 'wrongport', rawManifest: JSON.stringify({ ...manifestFor({ name: 'wrongport' }), port: 70000 }, null, 2) },
      ],
    });
    await fs.mkdir(path.join(repo.dir, 'skills', 'Bad Name'), { recursive: true });
    await fs.writeFile(path.join(repo.dir, 'skills', 'Bad Name', 'manifest.json'), valid());
    await fs.mkdir(path.join(repo.dir, 'skills', 'no-manifest'), { recursive: true });

    const { skills, problems } = await loadSkills(repo.dir);
    assert.deepEqual(skills.map((s) => s.name), ['alpha', 'beta']);
    assert.equal(skills[0].appSpecExists, true);
    assert.equal(skills[1].appSpecExists, false);
    assert.equal(skills[0].appSpecPath, path.join(repo.dir, 'infra', 'alpha.yaml'));
    const byFolder = Object.fromEntries(problems.map((p) => [p.folder, p]));
    assert.deepEqual(Object.keys(byFolder).sort(), ['Bad Name', 'broken', 'wrongport']);
    assert.equal(byFolder['wrongport'].field, 'port');
    assert.equal(byFolder['wrongport'].file, path.join(repo.dir, 'skills', 'wrongport', 'manifest.json'));
    assert.match(byFolder['Bad Name'].message, /not a valid skill name/);
    assert.match(byFolder['broken'].message, /invalid JSON/);
  });

  it('returns nothing for a folder without skills', async () => {
    const empty = await RepoFixture.create();
    try {
      assert.deepEqual(await loadSkills(empty.dir), { skills: [], problems: [] });
    } finally {
      await empty.remove();
    }
  });
});
