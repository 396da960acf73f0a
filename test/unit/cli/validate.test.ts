import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatFindings, summarize, type Finding } from '../../../src/core/appspec';
import { main } from '../../../src/cli/odoobo';
import { git, RepoFixture } from '../../builders/repo';
import { REPO_DIR } from '../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const INVALID = path.join(SHARED, 'do-openapi', 'examples', 'specs', 'doctl.internal-apps-test.unknown-field.INVALID.yaml');
const FIXTURES = path.join(REPO_DIR, 'test', 'fixtures', 'appspecs');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const finding = (over: Partial<Finding>): Finding => ({ file: 'infra/app.yaml', line: 3, column: 5, endLine: 3, endColumn: 9, severity: 'error', code: 'SCHEMA_ERROR', message: 'm', ...over });

describe('formatFindings', () => {
  const findings = [finding({ message: 'bad `x`' }), finding({ line: 7, column: 1, severity: 'warning', code: 'UNKNOWN_FIELD', message: 'w', path: ['a'], fix: { kind: 'remove-field' } }), finding({ severity: 'info', code: 'BRANCH_NOT_CHECKED' })];
  it('text: file:line:col  severity  CODE  message', () => {
    assert.equal(formatFindings(findings, 'text').split('\n')[0], 'infra/app.yaml:3:5  error    SCHEMA_ERROR  bad `x`');
    assert.equal(formatFindings(findings, 'text').split('\n')[1], 'infra/app.yaml:7:1  warning  UNKNOWN_FIELD  w');
    assert.equal(summarize(findings, 2), '1 error, 1 warning, 1 info in 2 files');
  });
  it('json: an array of {file, line, column, severity, code, message} only', () => {
    const parsed = JSON.parse(formatFindings(findings, 'json'));
    assert.deepEqual(parsed[1], { file: 'infra/app.yaml', line: 7, column: 1, severity: 'warning', code: 'UNKNOWN_FIELD', message: 'w' });
    assert.equal(parsed.length, 3);
    assert.deepEqual(JSON.parse(formatFindings([], 'json')), []);
  });
  it('github: annotations with workflow-command escaping in data and properties', () => {
    const f = finding({ file: 'dir,with:odd/app.yaml', message: '100% wrong\r\nsecond line: a, b' });
    assert.equal(
      formatFindings([f], 'github'),
      '::error file=dir%2Cwith%3Aodd/app.yaml,line=3,col=5,endLine=3,endColumn=9,title=SCHEMA_ERROR::100%25 wrong%0D%0Asecond line: a, b',
    );
    assert.match(formatFindings(findings, 'github').split('\n')[1], /^::warning file=infra\/app\.yaml,line=7,col=1,/);
    assert.match(formatFindings(findings, 'github').split('\n')[2], /^::notice /);
  });
});

describe('odoobo validate', () => {
  let repo: RepoFixture;
  before(async () => {
    repo = await RepoFixture.create({ prefix: 'odoobo-validate-', skills: [{ name: 'alpha' }, { name: 'beta' }], origin: true });
    // skill/beta exists only on the remote; skill/alpha nowhere
    await git(repo.dir, 'branch', 'skill/beta');
    await git(repo.dir, 'push', '-q', 'origin', 'skill/beta');
    await git(repo.dir, 'branch', '-D', '-q', 'skill/beta');
    await repo.write('infra/broken.yaml', 'name: broken\nservices:\n  - name: web\n    http_port: "8080"\n    health_check: {}\n    github:\n      repo: o/r\n      branch: main\n');
  });
  after(() => repo.remove());

  it('exits 0 on warnings alone, checks branches (local or remote) and source_dir with git', async () => {
    const r = await cli('validate', path.join(repo.dir, 'infra', 'alpha.yaml'), path.join(repo.dir, 'infra', 'beta.yaml'));
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.split('\n');
    assert.deepEqual(lines.slice(0, -1), [`${path.join(repo.dir, 'infra', 'alpha.yaml')}:7:15  warning  BRANCH_MISSING  branch \`skill/alpha\` does not exist in this repository (neither locally nor on a remote): App Platform cannot build from it until it is pushed`]);
    assert.equal(lines.at(-1), '0 errors, 1 warning, 0 info in 2 files');
  });

  it('exits 1 when a file has an error, and prints file:line:col  severity  CODE  message', async () => {
    const r = await cli('validate', 'does/not/exist.yaml', '--repo-root', repo.dir);
    assert.equal(r.code, 1);
    assert.match(r.out.split('\n')[0], /^does\/not\/exist\.yaml:1:1  error  APP_SPEC_UNREADABLE  cannot read the file: ENOENT/);
    const inRepo = await cli('validate', path.join(repo.dir, 'infra', 'broken.yaml'));
    assert.equal(inRepo.code, 1);
    assert.match(inRepo.out, /broken\.yaml:4:16  error  SCHEMA_ERROR  `services\[0\]\.http_port` must be a number/);
    assert.match(inRepo.out, /1 error, 0 warnings, 0 info in 1 file$/);
  });

  it('flags the upstream INVALID spec (exit 1) and notes that branches were not checked outside a repository', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-norepo-'));
    try {
      const file = path.join(dir, 'app.yaml');
      await fs.copyFile(INVALID, file);
      const r = await cli('validate', file);
      assert.equal(r.code, 1);
      assert.match(r.out, /app\.yaml:1:1 {2}info {5}BRANCH_NOT_CHECKED {2}source_dir and branches not checked/);
      assert.match(r.out, /app\.yaml:2:1 {2}error {4}UNKNOWN_FIELD {2}unknown field `bugField`/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('--format json prints only the JSON array on stdout', async () => {
    const r = await cli('validate', '--format', 'json', path.join(FIXTURES, 'full.yaml'), INVALID, '--repo-root', REPO_DIR);
    assert.equal(r.code, 1);
    const parsed = JSON.parse(r.out) as Record<string, unknown>[];
    assert.ok(parsed.some((f) => f.code === 'UNKNOWN_FIELD' && f.line === 2 && f.column === 1 && f.severity === 'error'));
    for (const f of parsed) assert.deepEqual(Object.keys(f), ['file', 'line', 'column', 'severity', 'code', 'message']);
    assert.match(r.err, /1 error/);
  });

  it('--format github prints annotations', async () => {
    const r = await cli('validate', '--format=github', INVALID);
    assert.equal(r.code, 1);
    assert.ok(r.out.split('\n').some((l) => l.startsWith(`::error file=${INVALID.replace(/:/g, '%3A')},line=2,col=1,endLine=2,endColumn=9,title=UNKNOWN_FIELD::unknown field`)), r.out);
  });

  it('answers usage errors with exit 2 and --help with 0', async () => {
    const none = await cli('validate');
    assert.equal(none.code, 2);
    assert.match(none.err, /give at least one app spec file/);
    const fmt = await cli('validate', 'x.yaml', '--format', 'xml');
    assert.equal(fmt.code, 2);
    assert.match(fmt.err, /--format must be one of text, json, github/);
    assert.equal((await cli('validate', 'x.yaml', '--frobnicate')).code, 2);
    const help = await cli('validate', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: odoobo validate <files…> \[options\]/);
    assert.match((await cli('--help')).out, /validate\s+lint App Platform app specs/);
  });
});
