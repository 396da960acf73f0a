// App-spec linter speed: the editor lints as the user types, so a large spec must lint well under 20 ms.
//   node --import tsx bench/appspecLint.ts [lines]
import { performance } from 'node:perf_hooks';
import { LineCounter, parseDocument } from 'yaml';
import { IncrementalYaml, lintAppSpec } from '../src/core/appspec';
import { median } from './stats';

/** A realistic app spec of about `lines` lines: services with sources, envs, health checks, plus workers and ingress. */
export function largeAppSpec(lines = 2000): string {
  const out = ['# generated for the app-spec linter benchmark', 'name: big-app', 'region: fra', 'envs:', '  - key: LOG_LEVEL', '    scope: RUN_TIME', '    value: info', 'alerts:', '  - rule: DEPLOYMENT_FAILED', 'databases:', '  - name: db', '    engine: PG', '    production: false', 'services:'];
  const rules: string[] = [];
  const worker: string[] = [];
  // each service adds 29 lines plus 5 ingress lines (and a 6-line worker every 10th); 3 lines close the spec
  for (let i = 1; out.length + rules.length + worker.length + 34 + (i % 10 === 0 ? 6 : 0) + 3 + (i === 10 ? 1 : 0) <= lines; i++) {
    const name = `svc-${i}`;
    out.push(
      `  - name: ${name}`,
      '    github:',
      '      repo: odoobo/odoobo-skills',
      `      branch: skill/${name}`,
      '      deploy_on_push: false',
      `    source_dir: skills/${name}`,
      '    environment_slug: python',
      '    run_command: uvicorn main:app --host 0.0.0.0 --port ${PORT:-8080}',
      '    http_port: 8080',
      '    instance_count: 1',
      '    instance_size_slug: apps-s-1vcpu-0.5gb',
      '    health_check:',
      '      http_path: /health',
      '      initial_delay_seconds: 10',
      '      period_seconds: 10',
      '      timeout_seconds: 5',
      '      success_threshold: 1',
      '      failure_threshold: 3',
      '    envs:',
      '      - key: ANTHROPIC_API_KEY',
      '        scope: RUN_TIME',
      '        type: SECRET',
      '      - key: DATABASE_URL',
      '        scope: RUN_TIME',
      '        value: ${db.DATABASE_URL}',
      '      - key: PUBLIC_URL',
      '        value: "${APP_URL}/' + name + '"',
      '      - key: DIFF_THRESHOLD',
      '        value: "0.1"',
    );
    rules.push('    - match:', '        path:', `          prefix: /${name}`, '      component:', `        name: ${name}`);
    if (i % 10 === 0) worker.push(`  - name: worker-${i}`, '    github:', '      repo: odoobo/odoobo-skills', '      branch: main', '    run_command: python worker.py', '    instance_size_slug: apps-s-1vcpu-1gb');
  }
  // top up to exactly `lines` with app-level env vars (3 lines each) and, for the last one or two, comments
  const head = out.slice(0, 4);
  const pad: string[] = [];
  const total = () => out.length + pad.length + rules.length + worker.length + (worker.length ? 1 : 0) + 2;
  for (let k = 1; total() + 3 <= lines; k++) pad.push(`  - key: SETTING_${k}`, '    scope: RUN_TIME', `    value: "value ${k}"`);
  while (total() < lines) pad.push('  # padding');
  return [...head, ...pad, ...out.slice(4), ...(worker.length ? ['workers:', ...worker] : []), 'ingress:', '  rules:', ...rules].join('\n') + '\n';
}


/**
 * Median wall time of `lintAppSpec` on a generated spec of about `lines` lines (after warm-up), and, measured
 * interleaved with it, the median of `yaml`'s `parseDocument` alone: the floor no linter built on `yaml` can beat.
 */
export async function benchLint(lines = 2000, runs = 41): Promise<{ ms: number; lines: number; min: number; parseMs: number; findings: number; editMs: number; editIncremental: number }> {
  const text = largeAppSpec(lines);
  const options = { file: 'bench.yaml' };
  let findings = 0;
  for (let i = 0; i < 10; i++) findings = (await lintAppSpec(text, options)).findings.length;
  const lint: number[] = [];
  const parse: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await lintAppSpec(text, options);
    lint.push(performance.now() - t);
    t = performance.now();
    parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, version: '1.1' });
    parse.push(performance.now() - t);
  }
  // As the user types (what the editor's diagnostics do): one value changes in the middle of the spec each time, and
  // the editor's parser re-parses only the service it is in.
  const parser = new IncrementalYaml();
  await lintAppSpec(text, { ...options, parser });
  const edits: number[] = [];
  const at = text.indexOf('value: "0.1"', text.length / 2);
  for (let i = 0; i < runs + 10; i++) {
    const edited = text.slice(0, at) + `value: "0.${i % 2 ? 1 : 2}"` + text.slice(at + 'value: "0.1"'.length);
    const t = performance.now();
    await lintAppSpec(edited, { ...options, parser });
    if (i >= 10) edits.push(performance.now() - t);
  }
  return { ms: median(lint), min: Math.min(...lint), parseMs: median(parse), lines: text.split('\n').length - 1, findings, editMs: median(edits), editIncremental: parser.stats.incremental };
}

if (require.main === module) {
  void benchLint(Number(process.argv[2] ?? 2000)).then((r) => {
    process.stdout.write(`lintAppSpec, ${r.lines} lines: median ${r.ms.toFixed(2)} ms (min ${r.min.toFixed(2)} ms; yaml parseDocument alone: median ${r.parseMs.toFixed(2)} ms), ${r.findings} findings; after a one-value edit (as you type): median ${r.editMs.toFixed(2)} ms (${r.editIncremental} incremental parses)\n`);
  });
}
