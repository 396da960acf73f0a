/**
 * What the skills of one plan share: the client (so ONE request budget), coalesced reads of apps, what was learned
 * about deployment durations, the repository's skills, refs and stores, and the event sink.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { LintCache, lintAppSpec } from '../appspec';
import type { AppPlatformClient } from '../do/client';
import type { PollContext } from '../do/progress';
import { EnvironmentError, loadEnvironments, resolveEnvironment, type EnvironmentDef, type Environments } from '../environments';
import { gitCommonDir, readBranchNames } from '../git/git';
import { formatSkillProblem, loadSkill, type Skill, type SkillProblem } from '../skills/loadSkills';
import { skillNameProblem } from '../skills/names';
import type { EnvironmentScope } from '../status/schema';
import { StatusStore } from '../status/statusStore';
import { AppReader } from './apps';
import { DeployError, patiently } from './errors';
import { InflightStore } from './persist';
import { DEFAULT_POLL_POLICY, DeployTimings, pollInterval, type PollPolicy } from './poll';
import type { DeployCommonOptions, DeployEvent, LintFunction } from './types';
import { Gate } from '../util/concurrency';

/**
 * What linting a spec text found from the text alone, kept for the process: deploying an unchanged spec again (the
 * common case, and every skill of a Deploy All) then costs only the folder and branch checks.
 */
const lintCache = new LintCache();
/**
 * Skills in their prepare step at once: a few per core, so that those waiting on a file read leave none idle (cap 20
 * and 50 in `npm run bench`: 2 at once kept the cores waiting, no bound kept App Platform waiting).
 */
const PREPARE_AT_ONCE = 4 * os.availableParallelism();
const cachedLint: LintFunction = (text, options) => lintAppSpec(text, { ...options, cache: lintCache });

/** The environment a plan deploys to: the repository's environments, the one chosen (as deploys use it), its scope. */
export interface PlanEnvironment {
  readonly envs: Environments;
  readonly env: EnvironmentDef;
  readonly scope: EnvironmentScope;
}

export class DeploySession {
  readonly reader: AppReader;
  readonly timings: DeployTimings;
  readonly policy: PollPolicy;
  /** Poll intervals for deployments of no skill in particular (rollbacks, cancels). */
  readonly interval: (ctx: PollContext) => number;
  readonly lint: LintFunction;
  /**
   * The prepare step (read and lint the spec: local work, mostly CPU) of a bounded number of skills at once. All N skills of
   * a plan start together and every await takes turns, so without it each skill would finish its prepare only when all
   * had, and App Platform would get the first create only after the client's work for the last skill (cap 50: ~80 ms
   * with the platform idle, then its ~100 ms of creates with the client idle). Through the gate the first skills reach
   * create at once and App Platform works on their deployments while the client prepares the next (`npm run bench`).
   * Network steps (propose, apply) are not gated: against DigitalOcean they wait on round trips, not on the CPU.
   */
  readonly preparing = new Gate(PREPARE_AT_ONCE);
  private readonly skillsP = new Map<string, Promise<{ skill?: Skill; problems: SkillProblem[] }>>();
  private commonP?: Promise<string>;
  private refsP?: Promise<Set<string> | undefined>;
  private statusP?: Promise<StatusStore>;
  private seedP?: Promise<void>;
  private envP?: Promise<PlanEnvironment>;
  /** The plan's environment once resolved (see environment()): what events and results carry. */
  resolvedEnvironment?: PlanEnvironment;

  /** The plan's client, with calls repeated through 429 storms longer than its own retries (see patiently). */
  readonly client: AppPlatformClient;

  constructor(readonly options: DeployCommonOptions) {
    this.client = patientClient(options.client);
    this.reader = new AppReader(this.client);
    this.timings = options.timings ?? new DeployTimings();
    this.policy = { ...DEFAULT_POLL_POLICY, ...options.poll };
    this.interval = pollInterval(this.policy, this.timings, options.budget);
    this.lint = options.lint ?? cachedLint;
  }

  get target(): string {
    return this.options.target;
  }

  get apiUrl(): string {
    return this.options.client.baseUrl;
  }

  emit(event: DeployEvent): void {
    try {
      const env = this.resolvedEnvironment?.env.name;
      this.options.onEvent?.(env && !event.environment ? { ...event, environment: env } : event);
    } catch {
      // a listener's failure is not the deployment's
    }
  }

  /**
   * The environment of the plan (options.environment, else the repository's default), read once: ENVIRONMENT_INVALID
   * for an unknown name or a broken infra/environments.yaml, naming the file, the line and the known environments.
   */
  environment(): Promise<PlanEnvironment> {
    this.envP ??= (async () => {
      try {
        const envs = await loadEnvironments(this.options.repoRoot);
        const env = resolveEnvironment(envs, this.options.environment);
        const resolved = { envs, env, scope: { name: env.name, isDefault: env.name === envs.defaultName } };
        this.resolvedEnvironment = resolved;
        return resolved;
      } catch (e) {
        if (!(e instanceof EnvironmentError)) throw e;
        throw new DeployError('ENVIRONMENT_INVALID', e.message, { step: 'lock', cause: e });
      }
    })();
    return this.envP;
  }

  /** The git common dir: where the status file, locks and in-flight records live. */
  commonDir(): Promise<string> {
    this.commonP ??= gitCommonDir(this.options.repoRoot).then((d) => {
      if (!d) {
        const why = `${this.options.repoRoot} is not inside a git repository: deploy state lives in its git directory.`;
        throw new DeployError('INTERNAL_ERROR', why, { step: 'lock' });
      }
      return d;
    });
    return this.commonP;
  }

  /** Poll intervals for one skill's deployment (paced by what its earlier deployments took). */
  intervalFor(skill: string, createdAt?: number): (ctx: PollContext) => number {
    return pollInterval(this.policy, this.timings, this.options.budget, skill, createdAt);
  }

  /** Starts what the skills need (git dir, refs, what earlier processes learned) at once, not one after the other. */
  warm(skills: readonly string[]): void {
    void this.commonDir().catch(() => undefined);
    void this.environment().catch(() => undefined);
    void this.refs();
    void this.seedTimings(skills);
  }

  /**
   * What earlier processes learned: the status file records, per skill and target, how long its last deployment took
   * by App Platform's clock. A skill this session has not seen finish starts from that, so the first deploy after a
   * reload (or in a new CLI run) polls densely near its usual end instead of backing off past it. Read at most once
   * per session, when a caller first names a skill the timings do not know (not at all for the next plan of the same
   * window); that read seeds every skill the file has. A file that is missing or cannot be read seeds nothing.
   */
  seedTimings(skills: readonly string[]): Promise<void> {
    // Asked per call, not once: a later caller (another plan, a resumed skill) may name skills the first one did not.
    if (skills.every((skill) => this.timings.knows(skill))) return Promise.resolve();
    this.seedP ??= (async () => {
      try {
        const store = await this.status();
        if (!store) return;
        const file = await store.read({ signal: this.options.signal });
        for (const [skill, s] of Object.entries(file.skills)) {
          const ms = s.deployments?.[this.target]?.durationMs;
          if (ms && !this.timings.knows(skill)) this.timings.observe(ms, skill);
        }
      } catch {
        // polling then starts from nothing, as it would without a status file
      }
    })();
    return this.seedP;
  }

  async status(): Promise<StatusStore | undefined> {
    if (this.options.status === false) return undefined;
    if (this.options.status) return this.options.status;
    this.statusP ??= this.commonDir().then((d) => new StatusStore(d));
    return this.statusP;
  }

  async inflight(): Promise<InflightStore | undefined> {
    if (this.options.status === false) return undefined;
    return InflightStore.forCommonDir(await this.commonDir());
  }

  /** The skill's manifest and spec path: only its own manifest is read, once per session. */
  async skill(name: string): Promise<Skill> {
    const location = this.options.skillsLocation ?? 'skills';
    let p = this.skillsP.get(name);
    if (!p) {
      p = skillNameProblem(name) ? Promise.resolve({ problems: [] }) : loadSkill(this.options.repoRoot, location, name);
      this.skillsP.set(name, p);
    }
    const { skill, problems } = await p;
    if (!skill) {
      const why = problems.length
        ? `: ${problems.map((x) => formatSkillProblem(x)).join('; ')}`
        : ` (${path.join(location, name, 'manifest.json')} is missing)`;
      const where = `${JSON.stringify(name)} in ${this.options.repoRoot}`;
      throw new DeployError('SKILL_NOT_FOUND', `No skill named ${where}${why}.`, { step: 'prepare' });
    }
    return skill;
  }

  /** Whether a branch exists locally or on a remote (refs read once per session). */
  branchExists = async (branch: string): Promise<boolean> => {
    // Refs that cannot be read: unknown, so no BRANCH_MISSING warning rather than a wrong one.
    return (await this.refs())?.has(branch) ?? true;
  };

  private refs(): Promise<Set<string> | undefined> {
    this.refsP ??= this.commonDir().then(
      (common) => readBranchNames(common, this.options.repoRoot).catch(() => undefined),
      () => undefined,
    );
    return this.refsP;
  }
}

/** What is not an API call, or must not wait through a 429 storm. */
const NOT_PATIENT = new Set<string | symbol>(['close', 'onRateLimit', 'followLiveLogs', 'constructor']);

/** The client with every API call wrapped in `patiently`. */
function patientClient(client: AppPlatformClient): AppPlatformClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || NOT_PATIENT.has(prop)) return v;
      return (...args: unknown[]) => {
        const hasSignal = (a: unknown): a is { signal?: AbortSignal } => !!a && typeof a === 'object' && 'signal' in a;
        const signal = args.find(hasSignal)?.signal;
        return patiently(() => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args), { signal });
      };
    },
  });
}

