// The core alone, as the extension host runs it, in a fresh node process: from this module's evaluation (its imports
// loaded, as dist/extension.js measures from its own) to the first model (skills and worktrees) and the complete one.
// The host's figure is one cold start too, so this is what the activation ratio divides by (see activation in index.ts).
import { performance } from 'node:perf_hooks';
import { buildSkillsModel } from '../src/core/skillsModel';

const moduleLoadedAt = performance.now();
let firstModelMs = NaN;
buildSkillsModel(process.argv[2], { skillsLocation: 'skills', onFirstPaint: () => (firstModelMs = performance.now() - moduleLoadedAt) }).then(
  (model) => {
    const completeModelMs = performance.now() - moduleLoadedAt;
    process.stdout.write(JSON.stringify({ firstModelMs, completeModelMs, skills: model.skills.length }) + '\n');
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
