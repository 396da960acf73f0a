import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyOptionsFromEnv, HistoryStore } from '../../../../src/core/history/store';
import { entryFor } from '../../../builders/historyWriter';

const WRITER = path.resolve(__dirname, '../../../builders/historyWriter.ts');

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-history-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const freshCommonDir = () => fs.mkdtemp(path.join(dir, 'git-'));

/** Runs the writer child; resolves with its exit code and signal. */
function child(cmd: object): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(cmd)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, err }));
  });
}

describe('HistoryStore', () => {
  it('appends records as JSON lines and reads them back oldest first', async () => {
    const store = new HistoryStore(await freshCommonDir());
    assert.deepEqual(await store.read(), { records: [], skipped: 0 });
    await store.append(entryFor('beta', 5));
    await store.append(entryFor('alpha', 2, { outcome: 'failed', code: 'BUILD_FAILED' }));
    const { records, skipped } = await store.read();
    assert.equal(skipped, 0);
    const seen = records.map((r) => [r.skill, r.outcome, r.code]);
    assert.deepEqual(seen, [['alpha', 'failed', 'BUILD_FAILED'], ['beta', 'succeeded', undefined]]);
    const lines = (await fs.readFile(store.file, 'utf8')).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.equal(JSON.parse(lines[0]).v, 1);
  });

  it('refuses a record that does not validate, and writes nothing', async () => {
    const store = new HistoryStore(await freshCommonDir());
    await assert.rejects(store.append({ ...entryFor('alpha', 1), skill: '' }), /skill/);
    await assert.rejects(fs.stat(store.file), { code: 'ENOENT' });
  });

  it('keeps every line whole when two processes append at the same time', async () => {
    const commonDir = await freshCommonDir();
    const n = 60;
    const [a, b] = await Promise.all(['one', 'two'].map((tag) => child({ op: 'append', commonDir, n, tag })));
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const store = new HistoryStore(commonDir);
    const { records, skipped } = await store.read();
    assert.equal(skipped, 0);
    assert.equal(records.length, 2 * n);
    for (const tag of ['one', 'two']) {
      const mine = records.filter((r) => r.skill === tag).map((r) => r.message);
      assert.deepEqual(mine, Array.from({ length: n }, (_, i) => `record ${i}`));
    }
    const text = await fs.readFile(store.file, 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 2 * n);
    await assert.rejects(fs.stat(store.lockFile), { code: 'ENOENT' });
  });

  it('survives a writer killed mid-append: the torn line is skipped, its lock taken over, later lines read', async () => {
    const commonDir = await freshCommonDir();
    const killed = await child({ op: 'torn', commonDir, tag: 'killed' });
    assert.equal(killed.signal, 'SIGKILL', killed.err);
    const store = new HistoryStore(commonDir, { lockTimeoutMs: 20_000 });
    // the dead writer's lock is still there
    await fs.stat(store.lockFile);
    const before = await store.read();
    assert.deepEqual(before.records.map((r) => r.message), ['record 0']);
    assert.equal(before.skipped, 1);
    await store.append(entryFor('after', 7));
    await store.append(entryFor('after', 8));
    const { records, skipped } = await store.read();
    assert.equal(skipped, 1);
    assert.deepEqual(records.map((r) => `${r.skill} ${r.message}`), ['killed record 0', 'after record 7', 'after record 8']);
    const lines = (await fs.readFile(store.file, 'utf8')).split('\n');
    assert.equal(lines.length, 5, 'the torn half-line stays on a line of its own');
    assert.doesNotThrow(() => JSON.parse(lines[2]));
  });

  it('rotates by size into a bounded number of files and still reads the newest records in order', async () => {
    const commonDir = await freshCommonDir();
    const store = new HistoryStore(commonDir, { maxBytes: 2000, maxFiles: 2 });
    for (let i = 0; i < 60; i++) await store.append(entryFor('alpha', i));
    const names = (await fs.readdir(store.dir)).filter((f) => f.startsWith('history')).sort();
    assert.deepEqual(names, ['history.1.jsonl', 'history.2.jsonl', 'history.jsonl']);
    for (const f of names) assert.ok((await fs.stat(path.join(store.dir, f))).size <= 2000, `${f} over maxBytes`);
    const { records } = await store.read();
    const kept = records.map((r) => Number(r.message?.split(' ')[1]));
    assert.ok(kept.length > 10 && kept.length < 60, `kept ${kept.length}`);
    // the newest ones, none missing in between
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 60 - kept.length + i));
  });

  it('appends of one process at the same time are all kept, in order, and still rotate by size', async () => {
    const commonDir = await freshCommonDir();
    const store = new HistoryStore(commonDir, { maxBytes: 2000, maxFiles: 20 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.append(entryFor('alpha', i))));
    const names = (await fs.readdir(store.dir)).filter((f) => f.startsWith('history') && f.endsWith('.jsonl'));
    assert.ok(names.length > 3, `rotated into ${names.length} files`);
    for (const f of names) assert.ok((await fs.stat(path.join(store.dir, f))).size <= 2000, `${f} over maxBytes`);
    const { records, skipped } = await store.read();
    assert.equal(skipped, 0);
    assert.deepEqual(records.map((r) => Number(r.message?.split(' ')[1])), Array.from({ length: 60 }, (_, i) => i));
  });

  it('with maxFiles 0 keeps only the current file', async () => {
    const store = new HistoryStore(await freshCommonDir(), { maxBytes: 1500, maxFiles: 0 });
    for (let i = 0; i < 20; i++) await store.append(entryFor('alpha', i));
    assert.deepEqual((await fs.readdir(store.dir)).filter((f) => f.startsWith('history')), ['history.jsonl']);
    assert.equal((await store.read()).records.at(-1)?.message, 'record 19');
  });

  it('reads rotation settings from the environment and names a bad variable', () => {
    const env = { ODOOBO_HISTORY_MAX_BYTES: '4096', ODOOBO_HISTORY_MAX_FILES: '0' };
    assert.deepEqual(historyOptionsFromEnv(env), { maxBytes: 4096, maxFiles: 0 });
    assert.deepEqual(historyOptionsFromEnv({}), {});
    assert.throws(() => historyOptionsFromEnv({ ODOOBO_HISTORY_MAX_FILES: 'many' }), /ODOOBO_HISTORY_MAX_FILES.*"many"/);
  });
});
