import { runSmokeSuite, type SmokeResult } from '../../core/smoke';
import { localRunsDir, readRunRecord } from '../../core/localRun/registry';
import { loadSkill } from '../../core/skills/loadSkills';
import { settings } from '../config';
import type { SkillsStore } from '../skillsStore';

/** The smoke suite against the skill's local run (the Testing view's "against local runs" profile). */
export async function smokeLocalRun(store: SkillsStore, skill: string, signal: AbortSignal): Promise<SmokeResult> {
  const runsDir = await localRunsDir(store.folder.uri.fsPath);
  const record = runsDir ? await readRunRecord(runsDir, skill) : undefined;
  if (!record) throw new Error(`${skill} is not running locally: Run Locally first (or \`odoobo run ${skill}\`).`);
  const { skill: loaded } = await loadSkill(record.worktree, settings(store.folder).skillsLocation, skill);
  const manifest = loaded?.manifest ?? store.model?.skills.find((v) => v.skill.name === skill)?.skill.manifest;
  if (!manifest) throw new Error(`${skill} has no manifest in ${record.worktree}`);
  return runSmokeSuite({ skill, manifest, baseUrl: record.url, signal });
}
