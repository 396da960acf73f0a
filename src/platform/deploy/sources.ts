import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { ComponentSpec } from '../spec/appSpec';
import { StepFailure } from './stepFailure';

/** Where a component's code comes from, resolved to something `git clone` understands. */
export interface ResolvedSource {
  readonly url: string;
  /** Undefined: the remote's default branch. */
  readonly branch?: string;
  /** How the spec named it, for logs and causes (`github odoobo/skills@main`). */
  readonly display: string;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^[^/\s]+@[^/\s]+:/;

function toCloneUrl(location: string, base: string): string {
  if (URL_LIKE.test(location) || SCP_LIKE.test(location)) return location;
  return path.resolve(base, location);
}

/**
 * Maps spec sources to clone URLs: `git.repo_clone_url` as it is (a local path or file:// URL works); `github` /
 * `gitlab` / `bitbucket` `repo` through the configured map `owner/repo → path or URL`, falling back to the workspace's
 * `origin` remote.
 */
export class SourceResolver {
  private origin: Promise<string | undefined> | undefined;

  constructor(private readonly repos: Readonly<Record<string, string>>, private readonly workspace: string) {}

  async resolve(c: ComponentSpec): Promise<ResolvedSource> {
    if (c.git?.repo_clone_url) {
      const url = toCloneUrl(c.git.repo_clone_url, this.workspace);
      return { url, branch: c.git.branch || undefined, display: `git ${c.git.repo_clone_url}@${c.git.branch ?? 'HEAD'}` };
    }
    for (const kind of ['github', 'gitlab', 'bitbucket'] as const) {
      const src = c[kind];
      if (!src?.repo) continue;
      const mapped = this.repos[src.repo];
      const url = mapped ? toCloneUrl(mapped, this.workspace) : await this.workspaceOrigin();
      if (!url) {
        throw new StepFailure(
          'BuildJobFailed',
          `${kind} repository ${src.repo} is not mapped to a local repository (configure repos "${src.repo}=<path or URL>") `
            + `and ${this.workspace} has no origin remote`,
        );
      }
      return { url, branch: src.branch, display: `${kind} ${src.repo}@${src.branch}` };
    }
    throw new StepFailure('BuildJobFailed', `component ${c.name} has no source the local App Platform can check out`);
  }

  private workspaceOrigin(): Promise<string | undefined> {
    this.origin ??= new Promise((resolve) => {
      execFile('git', ['-C', this.workspace, 'remote', 'get-url', 'origin'], { timeout: 10_000 }, (err, stdout) => {
        const url = stdout?.trim();
        resolve(err || !url ? undefined : toCloneUrl(url, this.workspace));
      });
    });
    return this.origin;
  }
}
