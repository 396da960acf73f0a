/** carrySecrets: the SECRET envs a repository spec leaves empty take the live app's (encrypted) values, place by place. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carrySecrets } from '../../../../src/core/deploy/carrySecrets';
import type { AppSpec } from '../../../../src/core/do/schemas';

const repo = (): AppSpec => ({
  name: 'app',
  envs: [{ key: 'SHARED', type: 'SECRET', scope: 'RUN_TIME' }],
  services: [
    {
      name: 'web',
      envs: [
        { key: 'TOKEN', type: 'SECRET', scope: 'RUN_TIME' },
        { key: 'MODEL', type: 'GENERAL', value: '' },
        { key: 'GIVEN', type: 'SECRET', value: 'EV[1:repo:value]' },
      ],
    },
  ],
  workers: [{ name: 'queue', envs: [{ key: 'TOKEN', type: 'SECRET' }] }],
});
const live: AppSpec = {
  name: 'app',
  envs: [{ key: 'SHARED', type: 'SECRET', value: 'EV[1:a:shared]' }],
  services: [
    {
      name: 'web',
      envs: [
        { key: 'TOKEN', type: 'SECRET', value: 'EV[1:b:token]' },
        { key: 'MODEL', type: 'GENERAL', value: 'live-model' },
        { key: 'GIVEN', type: 'SECRET', value: 'EV[1:live:value]' },
      ],
    },
  ],
  workers: [{ name: 'other', envs: [{ key: 'TOKEN', type: 'SECRET', value: 'EV[1:c:elsewhere]' }] }],
};

describe('carrySecrets', () => {
  it('fills each empty SECRET from the same key at the same place, and nothing else', () => {
    const spec = repo();
    const r = carrySecrets(spec, live);
    assert.deepEqual(r.carried, ['SHARED', 'web.TOKEN']);
    assert.equal(r.spec.envs?.[0].value, 'EV[1:a:shared]');
    const web = r.spec.services?.[0].envs ?? [];
    assert.equal(web[0].value, 'EV[1:b:token]');
    assert.equal(web[1].value, '', 'a GENERAL value is the repository’s to decide');
    assert.equal(web[2].value, 'EV[1:repo:value]', 'a value the repository gives wins');
    assert.equal(r.spec.workers?.[0].envs?.[0].value, undefined, 'a component of another name does not lend its secret');
    assert.equal(spec.services?.[0].envs?.[0].value, undefined, 'the input spec is not changed');
  });

  it('without a live app, or with nothing to carry, the same spec object comes back', () => {
    const spec = repo();
    assert.equal(carrySecrets(spec, undefined).spec, spec);
    assert.equal(carrySecrets(spec, { name: 'app' }).spec, spec);
    assert.deepEqual(carrySecrets(spec, { name: 'app', envs: [{ key: 'SHARED', type: 'GENERAL', value: 'x' }] }).carried, []);
  });
});
