/** Typed failures and refusals of the git flows: a code, the skill, path and files concerned, and what to do. */
export const GIT_FLOW_MITIGATIONS = {
  INVALID_SKILL_NAME: 'Use a skill name of 2–32 characters: a-z, 0-9 and "-", starting with a letter.',
  INVALID_BRANCH_NAME: 'Give a plain branch name such as "main" for the main branch.',
  NOT_A_REPOSITORY: 'Open the folder of a git repository (the one that holds skills/ and infra/).',
  BARE_REPOSITORY: 'Run this from a repository with a working tree, not from a bare repository.',
  WORKTREE_ROOT_INSIDE_REPO:
    'Choose a worktree folder outside the repository (odoobo.worktreeRoot), e.g. the default sibling folder <repo>-worktrees.',
  WORKTREE_ROOT_IN_TEMP:
    'Choose a worktree folder outside the system temporary folder (odoobo.worktreeRoot): the system empties it and the work in it would ' +
    'be lost.',
  WORKTREE_PATH_TAKEN: 'Move or remove what is at that path, or choose another worktree folder (odoobo.worktreeRoot).',
  BRANCH_CHECKED_OUT_ELSEWHERE: 'Switch that worktree to another branch (e.g. main) first, then retry.',
  BRANCH_NOT_FOUND: 'Set up the skill\'s worktree first (Odoobo: Set Up Worktrees); it creates the branch.',
  NO_WORKTREE: 'Set up the skill\'s worktree first (Odoobo: Set Up Worktrees).',
  WORKTREE_MISSING: 'The worktree folder was deleted: prune stale worktrees, then set it up again.',
  WORKTREE_LOCKED: 'The worktree is locked with `git worktree lock`: unlock it (`git worktree unlock <path>`) or confirm force.',
  CANNOT_REMOVE_MAIN_WORKTREE: 'The main worktree cannot be removed; switch it back to the main branch instead.',
  DIRTY_WORKTREE: 'Commit or stash the changes in the skill\'s worktree, then retry (removing with force discards them).',
  IGNORED_FILES:
    'Move the git-ignored files you want to keep (a .env with secrets, local data) out of the worktree, or confirm force to delete them.',
  MAIN_WORKTREE_DIRTY: 'Commit or stash the changes in the main worktree, then retry.',
  UNPUSHED_WORK: 'Push the skill\'s branch (git push) or merge it to main first, or confirm force.',
  OPERATION_IN_PROGRESS: 'Finish or abort the rebase/merge/cherry-pick in progress in that worktree, then retry.',
  DETACHED_HEAD: 'Check out the skill\'s branch in its worktree (git switch skill/<name>), then retry.',
  NOT_ON_MAIN: 'Switch the main worktree to the main branch (git switch <main>), then retry.',
  NO_DEPLOYMENT: 'Deploy the skill to the chosen target first; merging needs a live deployment of its current HEAD.',
  DEPLOYMENT_UNREADABLE: 'The deployment record could not be read: see the message, fix or remove the status file, then redeploy.',
  DEPLOYMENT_NOT_ACTIVE: 'Wait for the deployment to become ACTIVE, or fix it and deploy again.',
  DEPLOYMENT_STALE: 'The live deployment was built from another commit: deploy the branch\'s current HEAD, then merge.',
  SMOKE_TESTS_FAILED:
    'Fix the skill and rerun its smoke tests (Odoobo: Test Skill, or odoobo test <skill>), or deploy again: a deployment runs them as ' +
    'its post-deploy step.',
  MERGE_CONFLICT: 'Merge main into the skill branch (Sync), resolve the conflicts there, deploy, then merge again.',
  REBASE_CONFLICT: 'Rebase by hand in the skill\'s worktree and resolve the conflicts, or sync with merge instead.',
  PUSH_REJECTED: 'The remote has commits you do not have: sync (fetch and merge or rebase), then push again.',
  PUSH_FAILED: 'Check the network, your credentials for origin, and that origin accepts pushes, then retry.',
  LOCKED: 'Another operation on this skill is running (see the message): wait for it to finish, then retry.',
  STATUS_FILE_CORRUPT: 'The status file was moved aside (see the message); redeploy to record the deployment again.',
  ABORTED: 'The operation was canceled between two steps; run it again to finish (every step is safe to repeat).',
  GIT_FAILED: 'Read git\'s message above; fix the cause and retry (every step is safe to repeat).',
} as const;

export type GitFlowErrorCode = keyof typeof GIT_FLOW_MITIGATIONS;

/** One unmet condition (a refusal) with its own code. */
export interface FlowProblem {
  readonly code: GitFlowErrorCode;
  readonly message: string;
  readonly files?: readonly string[];
}

export interface GitFlowErrorInit {
  readonly skill?: string;
  readonly path?: string;
  readonly files?: readonly string[];
  /** Every unmet condition when several were found (the error's code is the first one's). */
  readonly problems?: readonly FlowProblem[];
  readonly cause?: unknown;
}

const MAX_FILES_IN_MESSAGE = 20;

export function formatFiles(files: readonly string[]): string {
  const shown = files.slice(0, MAX_FILES_IN_MESSAGE).join(', ');
  return files.length > MAX_FILES_IN_MESSAGE ? `${shown} and ${files.length - MAX_FILES_IN_MESSAGE} more` : shown;
}

export class GitFlowError extends Error {
  override readonly name = 'GitFlowError';
  readonly skill?: string;
  readonly path?: string;
  readonly files: readonly string[];
  readonly problems: readonly FlowProblem[];
  readonly mitigation: string;

  constructor(readonly code: GitFlowErrorCode, message: string, init: GitFlowErrorInit = {}) {
    const files = init.files ?? [];
    const mitigation = GIT_FLOW_MITIGATIONS[code];
    const parts = [init.skill ? `${init.skill}: ${message}` : message];
    if (init.path && !message.includes(init.path)) parts.push(`(${init.path})`);
    if (files.length && !message.includes(files[0])) parts.push(`Files: ${formatFiles(files)}.`);
    const others = (init.problems ?? []).filter((p) => p.message !== message);
    if (others.length) parts.push(`Also: ${others.map((p) => `${p.code}: ${p.message}`).join(' ')}`);
    parts.push(mitigation);
    super(parts.join(' '));
    this.skill = init.skill;
    this.path = init.path;
    this.files = files;
    this.problems = init.problems ?? [{ code, message, files: files.length ? files : undefined }];
    this.mitigation = mitigation;
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
  }
}

/** The GitFlowError for several unmet conditions: the first one's code, all of them listed. */
export function refusal(problems: readonly FlowProblem[], init: Omit<GitFlowErrorInit, 'problems'> = {}): GitFlowError {
  const [first] = problems;
  return new GitFlowError(first.code, first.message, { ...init, files: init.files ?? first.files, problems });
}
