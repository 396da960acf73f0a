import * as vscode from 'vscode';
import {
  SMOKE_CHECKS, smokeOutcomes, summarizeSmoke, type SmokeCheckName, type SmokeOutcomeState, type SmokeResult,
} from '../../core/smoke';
import { mapLimit } from '../../core/util/concurrency';
import { settings } from '../config';
import type { DeployService } from '../deployService';
import { smokeLocalRun } from '../localRun/localSmoke';
import type { SkillsStore } from '../skillsStore';
import { Disposable } from '../util/disposable';

/** What the last run reported for a test item (tests read it: a TestRun's results cannot be read back). */
export interface SmokeItemOutcome {
  readonly state: SmokeOutcomeState;
  readonly message?: string;
  readonly durationMs?: number;
}

interface SkillJob {
  readonly item: vscode.TestItem;
  readonly store: SkillsStore;
  readonly checks: vscode.TestItem[];
}

const checkId = (skill: string, check: SmokeCheckName) => `${skill}/${check}`;

/** Runs a skill's suite: against its live app (the default), or its local run. */
type Tester = (store: SkillsStore, skill: string, signal: AbortSignal) => Promise<SmokeResult>;

/**
 * The "Skill smoke tests" controller: one item per skill, its smoke checks as children. Running a skill runs the core
 * smoke suite against its live app on the current target (DeployService records the result in the status file).
 */
export class SmokeTests extends Disposable {
  readonly controller: vscode.TestController;
  readonly profile: vscode.TestRunProfile;
  /** The same checks against each skill's local run (Run Locally, `odoobo run`). */
  readonly localProfile: vscode.TestRunProfile;
  /** The last reported outcome per test item id (`<skill>` or `<skill>/<check>`). */
  readonly lastOutcomes = new Map<string, SmokeItemOutcome>();
  private readonly storeOf = new Map<string, SkillsStore>();
  private readonly checkOf = new WeakMap<vscode.TestItem, SmokeCheckName>();
  private readonly running = new Set<AbortController>();

  constructor(private readonly deployments: DeployService, private readonly stores: () => readonly SkillsStore[]) {
    super();
    this.controller = this._register(vscode.tests.createTestController('odoobo.smoke', 'Skill smoke tests'));
    this.controller.resolveHandler = async () => this.sync();
    this.controller.refreshHandler = async () => {
      await Promise.all(this.stores().map((s) => s.refresh()));
      this.sync();
    };
    const run = (request: vscode.TestRunRequest, token: vscode.CancellationToken) => this.run(request, token);
    this.profile = this._register(this.controller.createRunProfile('Run smoke tests', vscode.TestRunProfileKind.Run, run, true));
    const runLocal = (request: vscode.TestRunRequest, token: vscode.CancellationToken) => this.run(request, token, smokeLocalRun);
    this.localProfile = this._register(
      this.controller.createRunProfile('Run smoke tests against local runs', vscode.TestRunProfileKind.Run, runLocal, false),
    );
    this._register({ dispose: () => this.running.forEach((c) => c.abort()) });
    this.sync();
  }

  /** Mirrors the skills of every workspace folder; call it when they change. Items keep their ids across calls. */
  sync(): void {
    if (this.isDisposed) return;
    const items: vscode.TestItem[] = [];
    this.storeOf.clear();
    for (const store of this.stores()) {
      for (const { skill } of store.model?.skills ?? []) {
        if (this.storeOf.has(skill.name)) continue; // the same skill in two folders: the first one is tested
        this.storeOf.set(skill.name, store);
        const manifest = vscode.Uri.file(skill.manifestPath);
        const item = this.controller.items.get(skill.name) ?? this.controller.createTestItem(skill.name, skill.name, manifest);
        item.description = skill.manifest.description;
        if (item.children.size === 0) {
          item.children.replace(
            SMOKE_CHECKS.map((check) => {
              const child = this.controller.createTestItem(checkId(skill.name, check), check);
              this.checkOf.set(child, check);
              return child;
            }),
          );
        }
        items.push(item);
      }
    }
    this.controller.items.replace(items);
  }

  /** The run profile's handler: every requested skill in parallel (odoobo.concurrency); the token cancels the suites. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, tester?: Tester): Promise<void> {
    const run = this.controller.createTestRun(request, 'Smoke tests', false);
    const controller = new AbortController();
    this.running.add(controller);
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      await mapLimit(this.jobsOf(request), settings().concurrency, (job) => this.runSkill(run, job, controller.signal, tester));
    } finally {
      sub.dispose();
      this.running.delete(controller);
      run.end();
    }
  }

  /** Skills to run and, for each, the checks to report: all of them, or the ones requested (the suite runs whole). */
  private jobsOf(request: vscode.TestRunRequest): SkillJob[] {
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const jobs = new Map<string, SkillJob>();
    const all = (item: vscode.TestItem) => [...toArray(item.children)].filter((c) => !excluded.has(c.id));
    for (const item of request.include ?? toArray(this.controller.items)) {
      if (excluded.has(item.id)) continue;
      const skillItem = item.parent ?? item;
      const store = this.storeOf.get(skillItem.id);
      if (!store || excluded.has(skillItem.id)) continue;
      const job = jobs.get(skillItem.id) ?? { item: skillItem, store, checks: [] };
      jobs.set(skillItem.id, { ...job, checks: item.parent ? [...new Set([...job.checks, item])] : all(item) });
    }
    return [...jobs.values()];
  }

  private report(run: vscode.TestRun, item: vscode.TestItem, outcome: SmokeItemOutcome): void {
    this.lastOutcomes.set(item.id, outcome);
    const message = new vscode.TestMessage(outcome.message ?? '');
    switch (outcome.state) {
      case 'passed':
        return run.passed(item, outcome.durationMs);
      case 'failed':
        return run.failed(item, message, outcome.durationMs);
      case 'errored':
        return run.errored(item, message, outcome.durationMs);
      default:
        return run.skipped(item);
    }
  }

  private async runSkill(run: vscode.TestRun, job: SkillJob, signal: AbortSignal, tester?: Tester): Promise<void> {
    const skill = job.item.id;
    for (const i of [job.item, ...job.checks]) {
      this.lastOutcomes.delete(i.id);
      run.started(i);
    }
    if (signal.aborted) return [job.item, ...job.checks].forEach((i) => this.report(run, i, { state: 'skipped' }));
    try {
      const result = await (tester ?? ((s, k, sig) => this.deployments.test(s, k, sig)))(job.store, skill, signal);
      const outcomes = smokeOutcomes(result, job.checks.map((c) => this.checkOf.get(c)!));
      job.checks.forEach((c, i) => this.report(run, c, outcomes[i]));
      const summary = `${summarizeSmoke(result)} against ${result.baseUrl}`;
      this.report(run, job.item, { state: result.passed ? 'passed' : 'failed', message: summary, durationMs: result.durationMs });
    } catch (e) {
      const cancelled = signal.aborted;
      this.report(run, job.item, cancelled ? { state: 'skipped' } : { state: 'errored', message: (e as Error).message });
      const why = cancelled ? 'cancelled' : `${skill} could not be tested.`;
      for (const c of job.checks) this.report(run, c, { state: 'skipped', message: why });
    }
  }
}

function toArray(collection: vscode.TestItemCollection): vscode.TestItem[] {
  const out: vscode.TestItem[] = [];
  collection.forEach((i) => out.push(i));
  return out;
}
