/**
 * The five product skills, started as real services: each manifest parses with SkillManifestSchema, its app
 * spec agrees with it, and the running service answers the skill contract (health, metadata, docs, 404, 405,
 * 422 on an invalid /invoke body).
 *
 * Needs /usr/bin/python3 with fastapi and uvicorn (Debian: python3-fastapi, python3-uvicorn); fails, never skips,
 * when they are missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SkillManifestSchema, type SkillManifest } from '../../../src/core/skills/manifest';
import { REPO_DIR } from '../../builders/paths';

const REPO_ROOT = REPO_DIR;
const PYTHON = '/usr/bin/python3';
const SKILLS = ['pr-review', 'odoo-rpc', 'nl-sql', 'visual-diff', 'design-tokens'] as const;
const STARTUP_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;

interface RunningSkill {
  name: string;
  manifest: SkillManifest;
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
}

function readManifest(name: string): SkillManifest {
  const file = path.join(REPO_ROOT, 'skills', name, 'manifest.json');
  return SkillManifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function get(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

const children: ChildProcess[] = [];

function stopChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole process group (detached: true)
  } catch {
    // already gone
  }
}

async function stopAll(): Promise<void> {
  const exits = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          stopChild(child, 'SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        stopChild(child, 'SIGTERM');
      }),
  );
  await Promise.all(exits);
}

// Last resort if the runner exits without running `after` (e.g. an uncaught error).
process.once('exit', () => children.forEach((child) => stopChild(child, 'SIGKILL')));

async function startSkill(name: string, manifest: SkillManifest): Promise<RunningSkill> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: path.join(REPO_ROOT, 'skills', name),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const running: RunningSkill = { name, manifest, child, baseUrl: `http://127.0.0.1:${port}`, output: () => output };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before answering /health:\n${output}`);
    }
    try {
      const response = await get(`${running.baseUrl}${manifest.healthPath}`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (response.ok) return running;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`${name} did not answer ${manifest.healthPath} within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
}

describe('skill services', () => {
  const running = new Map<string, RunningSkill>();

  before(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      assert.fail(
        `${PYTHON} cannot import fastapi and uvicorn, which these tests need ` +
          `(Debian: apt-get install python3-fastapi python3-uvicorn; or scripts/ensure-env.sh): ` +
          `${probe.error?.message ?? probe.stderr.trim()}`,
      );
    }
    const results = await Promise.allSettled(SKILLS.map((name) => startSkill(name, readManifest(name))));
    const failures: string[] = [];
    results.forEach((result) => {
      if (result.status === 'fulfilled') running.set(result.value.name, result.value);
      else failures.push(String(result.reason instanceof Error ? result.reason.message : result.reason));
    });
    if (failures.length > 0) assert.fail(`some skills did not start:\n${failures.join('\n')}`);
  });

  after(stopAll);

  for (const name of SKILLS) {
    describe(name, () => {
      const skill = (): RunningSkill => {
        const found = running.get(name);
        assert.ok(found, `${name} is not running`);
        return found;
      };
      const url = (p: string): string => `${skill().baseUrl}${p}`;

      it('has a valid manifest whose app spec exists and agrees with it', () => {
        const manifest = readManifest(name);
        assert.equal(manifest.name, name);
        assert.equal(manifest.runtime, 'python');
        const specFile = path.join(REPO_ROOT, manifest.appSpec);
        assert.ok(existsSync(specFile), `${manifest.appSpec} does not exist`);

        const spec = parseYaml(readFileSync(specFile, 'utf8'));
        assert.equal(spec.name, name);
        assert.equal(spec.services?.length, 1);
        const service = spec.services[0];
        assert.equal(service.name, name);
        assert.equal(service.source_dir, `skills/${name}`);
        assert.equal(service.github?.branch, `skill/${name}`);
        assert.equal(service.http_port, manifest.port);
        assert.equal(service.health_check?.http_path, manifest.healthPath);
        assert.equal(spec.ingress?.rules?.[0]?.match?.path?.prefix, '/');
        assert.equal(spec.ingress?.rules?.[0]?.component?.name, name);

        const envs: Array<{ key: string; type?: string; value?: string; scope?: string }> = service.envs ?? [];
        assert.deepEqual(
          envs.map((e) => e.key).sort(),
          manifest.env.map((e) => e.key).sort(),
          'the app spec declares the same envs as the manifest',
        );
        for (const declared of manifest.env) {
          const env = envs.find((e) => e.key === declared.key)!;
          if (declared.secret) {
            assert.equal(env.type, 'SECRET', `${declared.key} is a SECRET env`);
            assert.equal(env.value, undefined, `${declared.key} has no plaintext value in the app spec`);
          } else {
            assert.notEqual(env.type, 'SECRET', `${declared.key} is a plain env`);
          }
        }
      });

      it('answers GET /health', async () => {
        const { manifest } = skill();
        const response = await get(url(manifest.healthPath));
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { status: 'ok', skill: name, version: manifest.version });
      });

      it('answers GET /metadata in line with the manifest', async () => {
        const { manifest } = skill();
        const response = await get(url(manifest.metadataPath));
        assert.equal(response.status, 200);
        const body = (await response.json()) as Record<string, unknown>;
        assert.equal(body.name, manifest.name);
        assert.equal(body.version, manifest.version);
        assert.equal(body.description, manifest.description);
        assert.equal(body.invoke_path, manifest.invokePath);
        assert.equal(body.health_path, manifest.healthPath);
        assert.equal(body.docs_path, manifest.docsPath);
        assert.equal((body.inputs as { type?: string } | undefined)?.type, 'object');
      });

      it('serves GET /docs', async () => {
        const response = await get(url(skill().manifest.docsPath));
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /text\/html/);
        await response.text();
      });

      it('answers 404 for an unknown path', async () => {
        const response = await get(url('/does-not-exist'));
        assert.equal(response.status, 404);
        await response.text();
      });

      it('answers 405 for GET /invoke', async () => {
        const response = await get(url(skill().manifest.invokePath));
        assert.equal(response.status, 405);
        await response.text();
      });

      it('answers 422 for POST /invoke with an invalid body', async () => {
        for (const body of ['{}', '[]', 'not json']) {
          const response = await get(url(skill().manifest.invokePath), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          assert.equal(response.status, 422, `body ${body}`);
          const answer = (await response.json()) as { detail?: unknown };
          assert.ok(answer.detail, 'a 422 explains what is wrong');
        }
      });
    });
  }
});
