/** App Platform's component-name rule; also keeps names safe for git refs and file paths. */
export const SKILL_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export class InvalidSkillNameError extends Error {
  constructor(readonly skillName: string, readonly reason: string) {
    super(`Invalid skill name ${JSON.stringify(skillName)}: ${reason}`);
    this.name = 'InvalidSkillNameError';
  }
}

/** Why `name` is not a valid skill name, or undefined when it is. */
export function skillNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'it is empty';
  if (name.length > 32) return `it is ${name.length} characters long (at most 32)`;
  if (name.startsWith('-')) return 'it starts with "-"';
  if (/[/\\]/.test(name) || name.includes('..')) return 'it contains a path separator or ".."';
  if (/\s/.test(name)) return 'it contains whitespace';
  if (!SKILL_NAME_PATTERN.test(name)) {
    return 'it must start with a lowercase letter, contain only a-z, 0-9 and "-", and end with a letter or digit';
  }
  return undefined;
}

export function isValidSkillName(name: string): boolean {
  return skillNameProblem(name) === undefined;
}

/** Throws unless `name` is a valid skill name; call before a name reaches git or the file system. */
export function assertSkillName(name: string): string {
  const problem = skillNameProblem(name);
  if (problem) throw new InvalidSkillNameError(name, problem);
  return name;
}

export const SKILL_BRANCH_PREFIX = 'skill/';

export function branchForSkill(name: string): string {
  return SKILL_BRANCH_PREFIX + assertSkillName(name);
}

/** The skill a branch belongs to (`skill/<name>` or `refs/heads/skill/<name>`), if any. */
export function skillForBranch(branch: string | undefined): string | undefined {
  if (!branch) return undefined;
  const short = branch.startsWith('refs/heads/') ? branch.slice('refs/heads/'.length) : branch;
  if (!short.startsWith(SKILL_BRANCH_PREFIX)) return undefined;
  const name = short.slice(SKILL_BRANCH_PREFIX.length);
  return isValidSkillName(name) ? name : undefined;
}
