/**
 * The deploy procedure as its step list: the list is DEPLOY_STEPS in order, each step gets what the step before
 * produced, a step that ends the run stops the list, and the pipeline and the rollback share ONE "which deployment is
 * active and is it healthy" check (serving.ts), shown against the real local App Platform.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { DEPLOY_STEPS, deploySkill, type DeployEvent } from '../../../../src/core/deploy';
import { Ending } from '../../../../src/core/deploy/outcomes';
import { DEPLOY_PIPELINE, FROM_CREATED, UNTIL_CREATED } from '../../../../src/core/deploy/pipeline';
import { DeployRun } from '../../../../src/core/deploy/run';
import { checkServing, serves } from '../../../../src/core/deploy/serving';
import { DeploySession } from '../../../../src/core/deploy/session';
import { StepList, type Step } from '../../../../src/core/deploy/steps/list';
import { monitor } from '../../../../src/core/deploy/steps/monitor';
import type { Prepared } from '../../../../src/core/deploy/steps/values';
import { DeployFixture } from '../../../builders/deploy';
import { REPO_DIR } from '../../../builders/paths';

const DEPLOY_DIR = path.join(REPO_DIR, 'src/core/deploy');

describe('the deploy step list', () => {
  it('is DEPLOY_STEPS in order: steps 1–4, then 5–8 (where a resume enters), then record ends every run', () => {
    assert.deepEqual([...DEPLOY_PIPELINE.names, 'record'], [...DEPLOY_STEPS]);
    assert.deepEqual(UNTIL_CREATED.names, ['prepare', 'validate', 'apply', 'create']);
    assert.deepEqual(FROM_CREATED.names, ['monitor', 'health', 'traffic', 'post-deploy']);
  });

  it('runs its steps in order, each with the previous output; a step that ends the run stops it', async () => {
    const events: DeployEvent[] = [];
    // The client is never called: the steps below make no request.
    const client = new AppPlatformClient({ baseUrl: 'http://127.0.0.1:9' });
    const session = new DeploySession({ repoRoot: __dirname, client, target: 'local', status: false, onEvent: (e) => events.push(e) });
    const seen: Array<[string, unknown]> = [];
    const step = <In, Out>(name: 'prepare' | 'validate' | 'apply', f: (v: In) => Out | Ending): Step<In, Out> => ({
      name,
      run: (run, input) => run.step(name, async () => (seen.push([name, input]), f(input))),
    });
    const count = step<undefined, { n: number }>('prepare', () => ({ n: 1 }));
    const double = step<{ n: number }, { n: number; doubled: number }>('validate', (v) => ({ ...v, doubled: v.n * 2 }));
    const label = step<{ n: number; doubled: number }, string>('apply', (v) => `${v.n}→${v.doubled}`);
    const list = StepList.start<undefined>().then(count).then(double).then(label);
    assert.deepEqual(list.names, ['prepare', 'validate', 'apply']);

    const run = new DeployRun(session, 'alpha');
    assert.equal(await list.run(run, undefined), '1→2');
    assert.deepEqual(seen, [['prepare', undefined], ['validate', { n: 1 }], ['apply', { n: 1, doubled: 2 }]]);
    assert.deepEqual(run.steps.map((s) => `${s.name}:${s.status}`), ['prepare:succeeded', 'validate:succeeded', 'apply:succeeded']);
    assert.deepEqual(events.map((e) => (e.type === 'step-started' ? `>${e.step}` : e.type === 'step-finished' ? `<${e.step}` : e.type)), [
      '>prepare', '<prepare', '>validate', '<validate', '>apply', '<apply',
    ]);

    // The second step ends the run: the third never runs, and the ending is what the list answers.
    seen.length = 0;
    const ending = new Ending({ status: 'failed', facts: {} });
    const stop = step<{ n: number }, { n: number; doubled: number }>('validate', () => ending);
    const stopped = await StepList.start<undefined>().then(count).then(stop).then(label).run(new DeployRun(session, 'alpha'), undefined);
    assert.equal(stopped, ending);
    assert.deepEqual(seen.map(([name]) => name), ['prepare', 'validate']);

    // A step whose input is not the previous step's output does not compile.
    // @ts-expect-error monitor takes Created, not Prepared
    StepList.start<Prepared>().then(monitor);
  });
});

/** Names imported by each file of src/core/deploy (and steps/), read with the TypeScript parser. */
async function importsOf(rel: string): Promise<Map<string, string[]>> {
  const file = path.join(DEPLOY_DIR, rel);
  const src = ts.createSourceFile(file, await fs.readFile(file, 'utf8'), ts.ScriptTarget.ES2022);
  const out = new Map<string, string[]>();
  for (const st of src.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const bindings = st.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => e.name.text) : [];
    out.set(path.join(path.dirname(rel), st.moduleSpecifier.text), names);
  }
  return out;
}

describe('one "active and healthy" check for the pipeline and the rollback', () => {
  let fx: DeployFixture;
  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha'], faults: { simulate: true, buildMs: 50, deployMs: 50 } });
  });
  after(async () => {
    await fx?.stop();
  });

  it('the verify step (outcomes.ts) and the rollback use checkServing; only it and the health step ask the health path', async () => {
    const steps = (await fs.readdir(path.join(DEPLOY_DIR, 'steps'))).map((f) => `steps/${f}`);
    const files = ['outcomes.ts', 'rollback.ts', 'manualRollback.ts', 'pipeline.ts', 'serving.ts', ...steps];
    const askers: string[] = [];
    for (const f of files) {
      const imports = await importsOf(f);
      if ([...imports.values()].some((names) => names.includes('checkHealth'))) askers.push(f);
      if (f === 'outcomes.ts' || f === 'rollback.ts') {
        assert.ok(imports.get('serving')?.includes('checkServing'), `${f} uses checkServing`);
      }
    }
    assert.deepEqual(askers.sort(), ['serving.ts', 'steps/health.ts']);
    // The circle rollback → pipeline → rollback is gone.
    assert.equal((await importsOf('rollback.ts')).has('pipeline'), false);
  });

  it('checkServing answers which deployment is active and whether it is healthy, as both verify steps read it', async () => {
    const r = await deploySkill({ ...fx.options(), skill: 'alpha' });
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    const session = new DeploySession(fx.options());
    const s = await checkServing(session, r.appId!, { healthPath: '/health' });
    assert.equal(s.activeDeploymentId, r.deploymentId);
    assert.equal(s.liveUrl, r.liveUrl);
    assert.equal(s.health?.ok, true);
    assert.equal(serves(s, r.deploymentId), true);
    assert.equal(serves(s, 'another-deployment'), false, 'another deployment does not serve');
    // Without a health path nothing is asked, and nothing counts as serving.
    const unasked = await checkServing(session, r.appId!, {});
    assert.equal(unasked.health, undefined);
    assert.equal(serves(unasked, r.deploymentId), false);
  });
});
