import * as vscode from 'vscode';
import { AppPlatformError } from '../../core/do/errors';
import { appLogSource, followLogs, type LogNoticeKind, type LogSource } from '../../core/do/logFollow';
import { redact } from '../../core/do/redact';
import type { LogsResponse } from '../../core/do/schemas';
import { settings } from '../config';
import type { DeployService } from '../deployService';
import { Disposable } from '../util/disposable';

/** The logs a person picks: the running skill's, or the latest deployment's build and deploy logs. */
export type SkillLogType = 'RUN' | 'BUILD' | 'DEPLOY';

export interface ShowLogsResult {
  readonly skill: string;
  readonly type: SkillLogType;
  /** `following`: live lines keep arriving; `ended`: a build or deploy log that is complete. */
  readonly status: 'following' | 'ended' | 'not-deployed' | 'failed' | 'stopped';
  readonly message?: string;
}

/** Lines kept per skill for tests (an OutputChannel cannot be read back). */
const KEPT_LINES = 5_000;

class NotDeployedError extends Error {}

/**
 * One skill's log on the current target. Connects on first use and finds the skill's app; after a failure it starts
 * over, so that a restarted local platform (new URL and token) or a re-created app is found again on reconnect.
 */
class SkillLogSource implements LogSource, vscode.Disposable {
  private connection: Awaited<ReturnType<DeployService['connect']>> | undefined;
  private inner: LogSource | undefined;

  constructor(private readonly deployments: DeployService, private readonly skill: string, private readonly type: SkillLogType) {}

  private async open(signal: AbortSignal): Promise<LogSource> {
    if (this.inner) return this.inner;
    const connection = (this.connection = await this.deployments.connect());
    const { client, target } = connection;
    const appName = this.deployments.appName(this.skill);
    const app = await client.findAppByName(appName, { signal });
    if (!app) throw new NotDeployedError(`${this.skill} is not deployed on ${target}: there is no app named ${appName}.`);
    // Build and deploy logs are the latest deployment's, even a failed one; run logs follow the active deployment.
    const latest = this.type === 'RUN' ? undefined : await client.listDeployments(app.id, { per_page: 1, signal });
    const deploymentId = latest?.deployments?.[0]?.id;
    if (this.type !== 'RUN' && !deploymentId) throw new NotDeployedError(`${this.skill} has no deployment on ${target} yet.`);
    return (this.inner = appLogSource(client, app.id, { type: this.type, deploymentId }));
  }

  private async use<T>(signal: AbortSignal, call: (s: LogSource) => Promise<T>): Promise<T> {
    try {
      return await call(await this.open(signal));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  logs(follow: boolean, signal: AbortSignal): Promise<LogsResponse> {
    return this.use(signal, (s) => s.logs(follow, signal));
  }

  fetchHistoric(urls: readonly string[], signal: AbortSignal): Promise<string[]> {
    return this.use(signal, (s) => s.fetchHistoric(urls, signal));
  }

  dispose(): void {
    void this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    this.inner = undefined;
  }
}

interface Session {
  readonly type: SkillLogType;
  readonly controller: AbortController;
}

/**
 * "Odoobo: <skill>" log channels: one per skill, created on demand and reused. Showing a skill's logs prints the recent
 * historic lines, then follows the live stream, reconnecting with backoff, until stopped or disposed.
 */
export class SkillLogs extends Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly sessions = new Map<string, Session>();
  private readonly received = new Map<string, string[]>();
  private readonly _onDidAppend = this._register(new vscode.EventEmitter<{ readonly skill: string; readonly line: string }>());
  /** Fires with every line written to a skill's channel. */
  readonly onDidAppend = this._onDidAppend.event;

  constructor(private readonly deployments: DeployService) {
    super();
    this._register({
      dispose: () => {
        for (const skill of [...this.sessions.keys()]) this.stop(skill);
        this.channels.forEach((c) => c.dispose());
      },
    });
  }

  /** The lines written to the skill's channel (the last 5000), as written: redacted. */
  lines(skill: string): readonly string[] {
    return this.received.get(skill) ?? [];
  }

  following(skill: string): SkillLogType | undefined {
    return this.sessions.get(skill)?.type;
  }

  private channel(skill: string): vscode.LogOutputChannel {
    let c = this.channels.get(skill);
    if (!c) this.channels.set(skill, (c = vscode.window.createOutputChannel(`Odoobo: ${skill}`, { log: true })));
    return c;
  }

  private write(skill: string, kind: LogNoticeKind | 'error', text: string): void {
    if (this.isDisposed) return;
    const line = redact(text);
    const channel = this.channel(skill);
    if (kind === 'warn') channel.warn(line);
    else if (kind === 'error') channel.error(line);
    else channel.info(line);
    const kept = this.received.get(skill) ?? [];
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES);
    this.received.set(skill, kept);
    this._onDidAppend.fire({ skill, line });
  }

  /** Shows the channel and follows the log; answers once the live stream opened, first failed, or the log ended. */
  async show(skill: string, type: SkillLogType = 'RUN'): Promise<ShowLogsResult> {
    this.channel(skill).show(true);
    if (this.sessions.get(skill)?.type === type) return { skill, type, status: 'following' };
    this.stop(skill);
    const controller = new AbortController();
    const session: Session = { type, controller };
    this.sessions.set(skill, session);
    const source = new SkillLogSource(this.deployments, skill, type);
    this.write(skill, 'info', `— ${type.toLowerCase()} logs of ${skill} on ${settings().target} —`);

    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const done = followLogs({
      source,
      signal: controller.signal,
      finite: type !== 'RUN',
      onLine: (text) => this.write(skill, 'info', text),
      onNotice: (text, kind) => {
        this.write(skill, kind, text);
        if (kind === 'warn') ready();
      },
      onOpen: ready,
    }).finally(() => {
      source.dispose();
      if (this.sessions.get(skill) === session) this.sessions.delete(skill);
    });
    try {
      await Promise.race([started, done]);
    } catch (e) {
      return controller.signal.aborted ? { skill, type, status: 'stopped' } : this.failed(skill, type, e);
    }
    done.catch(() => undefined); // later failures reconnect inside followLogs; only the first request can reject
    if (controller.signal.aborted) return { skill, type, status: 'stopped' };
    return { skill, type, status: this.sessions.get(skill) === session ? 'following' : 'ended' };
  }

  /** Stops following the skill's log; its channel stays. */
  stop(skill: string): boolean {
    const session = this.sessions.get(skill);
    if (!session) return false;
    this.sessions.delete(skill);
    session.controller.abort();
    this.write(skill, 'info', '— stopped —');
    return true;
  }

  private failed(skill: string, type: SkillLogType, e: unknown): ShowLogsResult {
    const noApp = e instanceof AppPlatformError && (e.code === 'NOT_FOUND' || e.code === 'APP_NOT_FOUND');
    const notDeployed = e instanceof NotDeployedError || noApp;
    const why = (e as Error).message;
    const noActive = noApp && !(e instanceof NotDeployedError);
    const message = redact(noActive ? `${skill} has no active deployment on ${settings().target}: ${why}` : why);
    this.write(skill, 'error', message);
    const actions = notDeployed ? ['Deploy'] : ['Retry', 'Deploy'];
    const shown = notDeployed
      ? vscode.window.showWarningMessage(`${message} Deploy it to see its logs.`, ...actions)
      : vscode.window.showErrorMessage(`The logs of ${skill} could not be read: ${message}`, ...actions);
    void shown.then((a) => {
      if (a === 'Deploy') void vscode.commands.executeCommand('odoobo.deploy', skill);
      else if (a === 'Retry') void this.show(skill, type);
    });
    return { skill, type, status: notDeployed ? 'not-deployed' : 'failed', message };
  }
}
