// IncrementalYaml against the full parse: after every edit of a random sequence (value changes, typing, deleting,
// new and removed lines), the linter's findings, the document's value and every scalar's position are the same.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isScalar, visit, type Document } from 'yaml';
import { IncrementalYaml, lintAppSpec, parseYaml } from '../../../../src/core/appspec';
import { largeAppSpec } from '../../../../bench/appspecLint';
import { REPO_DIR } from '../../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const REPO = REPO_DIR;

/** mulberry32: the same edits on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = ['8081', 'YOUR_API_KEY', 'sk-proj-' + 'Z9y8X7w6'.repeat(5), 'true', 'apps-s-1vcpu-1gbb', '"${APP_URL}/x"', '', 'TODO', '/health', 'skill/missing'];
const TYPED = ['a', ' ', '\n', ':', '-', '#', '1', '  ', '\n  - name: extra\n', '\n    extra: 1'];

/** One edit: mostly what typing in a value does, sometimes structure. */
function edit(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const lines = text.split('\n');
  const r = rnd();
  if (r < 0.5) {
    const candidates = lines.map((l, i) => (/:\s*\S/.test(l) && !l.trimStart().startsWith('#') ? i : -1)).filter((i) => i >= 0);
    if (candidates.length) {
      const i = pick(candidates);
      lines[i] = lines[i].replace(/:(\s*)\S.*$/, `:$1${pick(VALUES)}`);
      return lines.join('\n');
    }
  }
  const at = Math.floor(rnd() * (text.length + 1));
  if (r < 0.7) return text.slice(0, at) + pick(TYPED) + text.slice(at);
  if (r < 0.85) return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
  const i = Math.floor(rnd() * lines.length);
  if (r < 0.93) lines.splice(i, 0, lines[i]);
  else lines.splice(i, 1);
  return lines.join('\n');
}

function scalars(doc: Document): string[] {
  const out: string[] = [];
  visit(doc, {
    Scalar: (_k, n) => {
      out.push(`${String(n.value)}@${n.range?.[0]}-${n.range?.[1]}`);
    },
  });
  return out;
}

async function check(name: string, start: string, steps: number, seed: number): Promise<IncrementalYaml> {
  const rnd = random(seed);
  const parser = new IncrementalYaml();
  let text = start;
  await lintAppSpec(text, { file: name, parser });
  let good = text;
  for (let step = 0; step < steps; step++) {
    // A person fixes what they broke: after a syntax error the next edit mostly starts from the last good text.
    text = edit(parseYaml(text).doc.errors.length && rnd() < 0.8 ? good : text, rnd);
    const fast = await lintAppSpec(text, { file: name, parser });
    const full = await lintAppSpec(text, { file: name });
    const where = `${name}, edit ${step + 1}`;
    assert.deepEqual(fast.findings, full.findings, `${where}: findings differ`);
    const a = parser.parse(text).doc;
    const b = parseYaml(text).doc;
    assert.deepEqual(a.errors.map((e) => e.message), b.errors.map((e) => e.message), `${where}: errors differ`);
    if (!b.errors.length) {
      good = text;
      assert.deepEqual(a.toJS(), b.toJS(), `${where}: values differ`);
      assert.deepEqual(scalars(a), scalars(b), `${where}: scalar positions differ`);
    }
  }
  return parser;
}

describe('IncrementalYaml: re-parsing only what an edit touched', () => {
  it('gives the full parse\'s findings, values and positions on 150 random edits of a 2,000-line spec, mostly incrementally', async () => {
    const parser = await check('big.yaml', largeAppSpec(2000), 150, 7);
    assert.ok(parser.stats.incremental >= 60, `incremental ${parser.stats.incremental}, full ${parser.stats.full}`);
  });

  it('does the same on the repository\'s app specs and DigitalOcean\'s example specs', async () => {
    const files = (await fs.readdir(path.join(REPO, 'infra'))).filter((f) => f.endsWith('.yaml')).map((f) => path.join(REPO, 'infra', f));
    const examples = path.join(SHARED, 'do-openapi', 'examples', 'specs');
    files.push(...(await fs.readdir(examples)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(examples, f)));
    assert.ok(files.length >= 8, `only ${files.length} specs found`);
    let incremental = 0;
    for (const [i, f] of files.entries()) incremental += (await check(path.basename(f), await fs.readFile(f, 'utf8'), 40, 100 + i)).stats.incremental;
    assert.ok(incremental >= files.length * 10, `only ${incremental} incremental parses`);
  });

  it('parses in full after an edit it cannot place: document markers, anchors, a new top-level key', () => {
    const parser = new IncrementalYaml();
    const base = 'name: a\nservices:\n  - name: web\n    http_port: 8080\n';
    parser.parse(base);
    parser.parse(base.replace('8080', '8081'));
    assert.deepEqual(parser.stats, { full: 1, incremental: 1 });
    for (const next of ['name: a\nregion: fra\nservices:\n  - name: web\n    http_port: 8081\n', '---\n' + base, base.replace('web', '&w web')]) {
      const before = parser.stats.full;
      const got = parser.parse(next);
      assert.equal(parser.stats.full, before + 1, JSON.stringify(next));
      assert.deepEqual(got.doc.toJS(), parseYaml(next).doc.toJS());
    }
    const same = parser.parse(base.replace('web', '&w web'));
    assert.ok(isScalar(same.doc.getIn(['services', 0, 'name'], true)));
  });
});
