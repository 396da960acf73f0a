/**
 * The CLI's surface: the spawned binary's overview, every command's --help (exit codes documented), usage errors (exit 2)
 * and the shared exit-code constant.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import type { CliIO } from '../../../src/cli/command';
import { EXIT } from '../../../src/cli/commands/common';
import { COMMANDS } from '../../../src/cli/commands/index';
import { main } from '../../../src/cli/odoobo';
import { REPO_DIR } from '../../builders/paths';

const REPO_ROOT = REPO_DIR;

function capture(env: NodeJS.ProcessEnv = {}, isTTY?: boolean): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY }, out, err };
}

const MINE = ['deploy', 'rollback', 'test', 'merge', 'status', 'logs', 'worktrees setup', 'worktrees list', 'worktrees remove'];

describe('odoobo CLI surface', () => {
  it('the spawned binary prints the overview with every command (node --import tsx src/cli/odoobo.ts --help)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/odoobo.ts', '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const c of [...MINE, 'platform start', 'validate']) assert.match(r.stdout, new RegExp(`^  ${c} +\\S`, 'm'), `overview lists ${c}`);
  });

  it('--version prints package.json\'s version, from the source and from the built bundle', () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const source = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/odoobo.ts', '--version'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(source.status, 0, source.stderr);
    assert.equal(source.stdout, `${version}\n`);
    // Bundled as esbuild.mjs bundles dist/cli.js, into a temporary file (dist/ may be in use): the JSON import survives.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odoobo-cli-version-'));
    try {
      const outfile = path.join(dir, 'cli.js');
      const entry = path.join(REPO_ROOT, 'src/cli/odoobo.ts');
      buildSync({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', mainFields: ['module', 'main'] });
      const bundled = spawnSync(process.execPath, [outfile, '--version'], { encoding: 'utf8' });
      assert.equal(bundled.status, 0, bundled.stderr);
      assert.equal(bundled.stdout, `${version}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every command answers --help with exit 0, its usage and the exit codes', async () => {
    for (const name of MINE) {
      const { io, out, err } = capture();
      const code = await main([...name.split(' '), '--help'], io);
      assert.equal(code, 0, `${name}: ${err.join('\n')}`);
      const help = out.join('\n');
      assert.match(help, new RegExp(`^Usage: odoobo ${name}`), name);
      assert.match(help, /Exit status:\n {2}0 {4}success\n {2}1 {4}\S/, `${name} documents its exit codes`);
      assert.match(help, /^ {2}2 {4}wrong usage$/m);
      assert.match(help, /^ {2}130 {2}canceled \(Ctrl-C\)$/m);
      assert.equal(help, COMMANDS.find((c) => c.path.join(' ') === name)!.help);
    }
  });

  it('commands that talk to a target document exit 3 and the target options', async () => {
    for (const name of ['deploy', 'rollback', 'test', 'logs']) {
      const { io, out } = capture();
      await main([name, '-h'], io);
      assert.match(out.join('\n'), /^ {2}3 {4}the target is unreachable or refused the token$/m);
      assert.match(out.join('\n'), /--target <local\|digitalocean>/);
      assert.match(out.join('\n'), /--api-url <url>/);
    }
  });

  it('the exit codes are one shared constant', () => {
    assert.deepEqual(EXIT, { OK: 0, FAILED: 1, USAGE: 2, TARGET: 3, CANCELED: 130 });
  });

  const usage: Array<[string[], RegExp]> = [
    [['test'], /name at least one skill, or pass --all/],
    [['test', '--all', 'pr-review'], /give skill names or --all, not both/],
    [['test', 'no-such-skill', '-C', REPO_ROOT], /unknown skill: no-such-skill \(known: .*pr-review/],
    [['test', 'Bad_Name', '-C', REPO_ROOT], /invalid skill name: "Bad_Name"/],
    [['test', '--all', '--concurrency', '0', '-C', REPO_ROOT], /--concurrency expects a whole number from 1 to 50/],
    [['test', '--bogus'], /Unknown option '--bogus'/],
    [['merge', 'pr-review', '--delete-branch'], /--delete-branch needs --cleanup/],
    [['merge', 'pr-review', '--target', 'mars'], /Unknown target "mars"/],
    [['logs'], /name exactly one skill/],
    [['logs', 'pr-review', '--type', 'nope'], /--type must be one of build, deploy, run, run_restarted/],
    [['status', 'extra'], /Unexpected argument 'extra'/],
    [['worktrees', 'remove'], /name exactly one skill/],
    [['worktrees', 'setup', '-C', REPO_ROOT], /name at least one skill, or pass --all/],
    [['worktrees', 'list', '-C', '/nonexistent/odoobo'], /is not a folder/],
  ];
  for (const [argv, message] of usage) {
    it(`usage error → exit 2: odoobo ${argv.join(' ')}`, async () => {
      const { io, out, err } = capture();
      const code = await main(argv, io);
      assert.equal(code, 2, `stdout: ${out.join('\n')}\nstderr: ${err.join('\n')}`);
      assert.match(err.join('\n'), message);
      assert.match(err.join('\n'), /--help` for usage/);
      assert.deepEqual(out, [], 'nothing on stdout');
    });
  }

  it('--target mars on a command that connects → exit 2 with the valid targets', async () => {
    const { io, err } = capture();
    const code = await main(['test', '--all', '--target', 'mars', '-C', REPO_ROOT], io);
    assert.equal(code, 2);
    assert.match(err.join('\n'), /INVALID_TARGET: Unknown target "mars"/);
    assert.match(err.join('\n'), /--target local or --target digitalocean/);
  });
});
