// Show Logs after a failed deploy opens what explains it: the spec's findings, the build log or the deploy log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployError } from '../../../src/core/deploy/errors';
import { explainFailure } from '../../../src/vscode/logs/failureLogs';

const facts = (e: DeployError) => e.toJSON();

describe('explainFailure', () => {
  it('a spec error (lint at prepare, App Platform at validate) opens the spec at its first finding, never a run log', () => {
    const findings = [{ code: 'PLACEHOLDER_VALUES', message: 'a placeholder', line: 7, column: 16 }];
    const lint = new DeployError('PLACEHOLDER_VALUES', 'x', { step: 'prepare', details: { findings } });
    assert.deepEqual(explainFailure(facts(lint)), { kind: 'spec', line: 7, issues: [], findings });
    const issues = ['services[0].http_port: too big'];
    const platform = new DeployError('SPEC_VALIDATION_FAILED', 'x', { step: 'validate', details: { issues } });
    assert.deepEqual(explainFailure(facts(platform)), { kind: 'spec', line: undefined, issues, findings: [] });
    assert.equal(explainFailure(facts(new DeployError('APP_SPEC_SYNTAX_ERROR', 'x', { step: 'prepare' }))).kind, 'spec');
  });

  it('a build failure opens the build log, a rollout failure the deploy log, failed checks of the new version its run log', () => {
    assert.deepEqual(explainFailure(facts(new DeployError('BUILD_FAILED', 'x', { step: 'monitor' }))), { kind: 'log', type: 'BUILD' });
    assert.deepEqual(explainFailure(facts(new DeployError('DEPLOY_ERROR', 'x', { step: 'monitor' }))), { kind: 'log', type: 'DEPLOY' });
    const buildStep = new DeployError('DEPLOY_ERROR', 'x', { step: 'monitor', details: { failedStep: 'build' } });
    assert.deepEqual(explainFailure(facts(buildStep)), { kind: 'log', type: 'BUILD' });
    assert.deepEqual(explainFailure(facts(new DeployError('DEPLOY_TIMEOUT', 'x', { step: 'monitor' }))), { kind: 'log', type: 'DEPLOY' });
    assert.deepEqual(explainFailure(facts(new DeployError('HEALTH_CHECK_FAIL', 'x', { step: 'health' }))), { kind: 'log', type: 'RUN' });
    const postDeploy = new DeployError('POST_DEPLOY_FAILED', 'x', { step: 'post-deploy' });
    assert.deepEqual(explainFailure(facts(postDeploy)), { kind: 'log', type: 'RUN' });
  });

  it('an unreachable or refusing target has no skill log to explain it', () => {
    assert.deepEqual(explainFailure(facts(new DeployError('NETWORK_ERROR', 'x', { step: 'validate' }))), { kind: 'none' });
    assert.deepEqual(explainFailure(facts(new DeployError('UNAUTHORIZED', 'x', { step: 'prepare' }))), { kind: 'none' });
  });
});
