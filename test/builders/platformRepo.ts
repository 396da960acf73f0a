import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { git, RepoFixture } from './repo';
import { REPO_ROOT } from './platform';

/**
 * A real git repository (with a bare `origin`) holding a copy of one of the product's skills and its app spec, on the
 * skill's branch `skill/<name>` as the app spec expects.
 */
/** The GitHub repository the skills' app specs (infra/*.yaml) build from; tests map it to a local bare repository. */
export const SKILLS_REPO = 'odoobo/odoobo-skills';

export class SkillRepo {
  private constructor(readonly fixture: RepoFixture, readonly skill: string) {}

  static async create(skill = 'pr-review'): Promise<SkillRepo> {
    const fixture = await RepoFixture.create({ origin: true, prefix: 'odoobo-platform-repo-' });
    await fs.cp(path.join(REPO_ROOT, 'skills', skill), path.join(fixture.dir, 'skills', skill), {
      recursive: true,
      filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache'),
    });
    await fs.mkdir(path.join(fixture.dir, 'infra'), { recursive: true });
    await fs.copyFile(path.join(REPO_ROOT, 'infra', `${skill}.yaml`), path.join(fixture.dir, 'infra', `${skill}.yaml`));
    await git(fixture.dir, 'checkout', '-q', '-b', `skill/${skill}`);
    await fixture.commitAll(`add ${skill}`);
    await git(fixture.dir, 'push', '-q', '-u', 'origin', `skill/${skill}`);
    return new SkillRepo(fixture, skill);
  }

  get branch(): string {
    return `skill/${this.skill}`;
  }

  get origin(): string {
    return this.fixture.originDir;
  }

  /** The app spec from infra/<skill>.yaml. */
  async spec(overrides: Record<string, unknown> = {}): Promise<any> {
    const spec = parseYaml(await fs.readFile(path.join(this.fixture.dir, 'infra', `${this.skill}.yaml`), 'utf8'));
    return { ...spec, ...overrides };
  }

  /** Changes a file of the skill, commits and pushes; answers the new commit. */
  async change(file: string, edit: (text: string) => string, message = `change ${file}`): Promise<string> {
    const full = path.join(this.fixture.dir, 'skills', this.skill, file);
    await fs.writeFile(full, edit(await fs.readFile(full, 'utf8')));
    const commit = await this.fixture.commitAll(message);
    await git(this.fixture.dir, 'push', '-q', 'origin', this.branch);
    return commit;
  }

  /** The skill's version string in main.py, changed to `version`. */
  setVersion(version: string): Promise<string> {
    return this.change('main.py', (t) => t.replace(/^VERSION = ".*"$/m, `VERSION = "${version}"`), `version ${version}`);
  }

  async head(): Promise<string> {
    return (await git(this.origin, 'rev-parse', this.branch)).trim();
  }

  remove(): Promise<void> {
    return this.fixture.remove();
  }
}
