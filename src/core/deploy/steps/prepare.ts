/** Step 1: the skill's app spec, linted, with its source set (in memory; written back only with writeSpec). */
import type { Skill } from '../../skills/loadSkills';
import { toDeployError } from '../errors';
import { noDeployment } from '../outcomes';
import { prepareSpec } from '../spec';
import type { Step } from './list';
import type { Prepared } from './values';

export const prepare: Step<undefined, Prepared> = {
  name: 'prepare',
  async run(run) {
    const s = run.session;
    // Kept for the failure: the skill, when it loaded, names the health path that shows the previous version serves.
    let loaded: Skill | undefined;
    try {
      const step = () =>
        run.step(
          'prepare',
          async () => {
            const skill = await s.skill(run.skillName);
            loaded = skill;
            const { env } = await s.environment();
            const options = {
              repoRoot: s.options.repoRoot,
              source: run.options.source,
              lint: s.lint,
              branchExists: s.branchExists,
              environment: env,
            };
            return { skill, prepared: await prepareSpec(skill, { ...options, writeSpec: s.options.writeSpec }) };
          },
          { message: ({ prepared: p }) => (p.changes.length ? `set ${p.changes.join(', ')}` : undefined) },
        );
      // Through the session's gate (DeploySession.preparing): its turn first, then the step's own time.
      const { skill, prepared } = await s.preparing.run(step);
      run.warnings.push(...prepared.warnings);
      run.checkAborted('prepare');
      return { skill, spec: prepared.spec };
    } catch (e) {
      return noDeployment(run, { skill: loaded }, toDeployError(e, 'prepare'));
    }
  },
};
