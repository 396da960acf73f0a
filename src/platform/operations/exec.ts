import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { notFound } from '../api/errors';
import type { PlatformContext } from '../context';
import { isRunning, replicasOf, type ComponentInstance, type DeploymentRuntime } from '../runtime/deploymentRuntime';
import { instanceName, type Instances } from '../runtime/instances';
import { Shell } from '../runtime/shell';
import { componentsOf } from '../spec/appSpec';
import type { AppRecord, DeploymentRecord } from '../state/model';

/** An exec URL is good once, for this long: it only opens the websocket, which then lives as long as the session. */
const EXEC_URL_TTL_MS = 60_000;
const DEFAULT_SIZE = { cols: 80, rows: 24 };

/** What the client sends, as doctl's `apps console` does: keystrokes (an empty one every 30 s keeps it alive), resizes. */
const ExecMessage = z.discriminatedUnion('op', [
  z.object({ op: z.literal('stdin'), data: z.string() }),
  z.object({ op: z.literal('resize'), width: z.number().int().positive(), height: z.number().int().positive() }),
]);

interface ExecGrant {
  readonly token: Buffer;
  readonly appId: string;
  readonly deploymentId: string;
  readonly component: string;
  readonly instance: string;
  readonly expires: number;
}

/**
 * Consoles: `GET …/components/{name}/exec` grants a one-time websocket URL (`?token=`, as DigitalOcean's); the socket
 * runs a shell in the instance's working folder with its runtime environment. Output frames are `{"data": "…"}`; the
 * shell's exit closes the socket (1000), and closing the socket hangs up the shell and everything it started.
 */
export class ExecSessions {
  private readonly grants = new Map<string, ExecGrant>();
  private readonly shells = new Set<Shell>();

  constructor(private readonly ctx: PlatformContext, private readonly instances: Instances) {}

  /** The websocket URL for a console in `component` (its first running instance, or the one named). */
  url(apiBase: string, app: AppRecord, deploymentId: string | undefined, component: string, instance: string | undefined): string {
    const { dep, inst } = this.find(app, deploymentId, component, instance);
    this.sweep();
    const id = randomUUID();
    const token = randomBytes(32);
    this.grants.set(id, {
      token, appId: app.id, deploymentId: dep.id, component, instance: instanceName(dep, inst), expires: Date.now() + EXEC_URL_TTL_MS,
    });
    return `${apiBase.replace(/^http/, 'ws')}/_local/exec/${id}?token=${token.toString('hex')}`;
  }

  /** Whether `token` opens session `id` (checked before the websocket upgrade, like the bearer token elsewhere). */
  allows(id: string, token: unknown): boolean {
    const g = this.grants.get(id);
    if (!g || g.expires < Date.now() || typeof token !== 'string' || !/^[0-9a-f]{64}$/.test(token)) return false;
    return timingSafeEqual(Buffer.from(token, 'hex'), g.token);
  }

  /** Runs the session of `id` on `socket` (the grant is used up). */
  attach(id: string, socket: WebSocket): void {
    const { ctx } = this;
    const grant = this.grants.get(id);
    this.grants.delete(id);
    const app = grant ? ctx.apps.get(grant.appId) : undefined;
    const dep = app?.deployments.find((d) => d.id === grant?.deploymentId);
    const rt = dep ? ctx.runtimes.get(dep.id) : undefined;
    const inst = rt && dep && grant
      ? replicasOf(rt, grant.component).find((i) => isRunning(i) && instanceName(dep, i) === grant.instance)
      : undefined;
    if (!grant || !app || !dep || !rt || !inst) {
      socket.close(1011, 'the instance is no longer running');
      return;
    }
    const { cwd, env } = this.instances.runContext(app, dep, rt, inst);
    const shell = Shell.start({
      supervisor: ctx.supervisor,
      python: ctx.python,
      cwd,
      env,
      owner: `${dep.id}/${inst.name}/console`,
      ...DEFAULT_SIZE,
      onOutput: (data) => socket.send(JSON.stringify({ data })),
    });
    this.shells.add(shell);
    ctx.logs.append(dep.id, 'RUN', inst.name, `console session opened on ${grant.instance}`);
    let open = true;
    const end = (): void => {
      if (!open) return;
      open = false;
      this.shells.delete(shell);
      ctx.logs.append(dep.id, 'RUN', inst.name, `console session on ${grant.instance} closed`);
      void ctx.track(shell.close());
    };
    socket.on('message', (raw, isBinary) => {
      const parsed = ExecMessage.safeParse(safeJson(isBinary ? undefined : raw.toString()));
      if (!parsed.success) {
        socket.close(1007, 'messages are {"op":"stdin","data":…} or {"op":"resize","width":…,"height":…}');
        return;
      }
      const m = parsed.data;
      if (m.op === 'stdin') {
        if (m.data) shell.write(m.data);
      } else shell.resize(m.width, m.height);
    });
    socket.on('close', end);
    socket.on('error', end);
    void shell.exited.then(() => {
      // Output may still be on its way through the pipes: close after it.
      setTimeout(() => {
        if (socket.readyState === socket.OPEN) socket.close(1000, 'the shell exited');
        end();
      }, 50);
    });
  }

  private find(
    app: AppRecord,
    deploymentId: string | undefined,
    component: string,
    instance: string | undefined,
  ): { dep: DeploymentRecord; inst: ComponentInstance } {
    const depId = deploymentId ?? app.activeDeploymentId;
    const dep = app.deployments.find((d) => d.id === depId);
    if (!dep) throw notFound(deploymentId ? `the app has no deployment ${deploymentId}` : 'the app has no active deployment');
    if (!componentsOf(dep.spec).some((c) => c.spec.name === component)) {
      throw notFound(`the deployment has no component "${component}"`);
    }
    const rt: DeploymentRuntime | undefined = this.ctx.runtimes.get(dep.id);
    const running = rt ? replicasOf(rt, component).filter((i) => isRunning(i) && !i.sim) : [];
    if (!running.length) throw notFound(`component "${component}" has no running instance`);
    const inst = instance ? running.find((i) => instanceName(dep, i) === instance) : running[0];
    if (!inst) {
      const names = running.map((i) => instanceName(dep, i)).join(', ');
      throw notFound(`component "${component}" has no instance "${instance}" (running: ${names})`);
    }
    return { dep, inst };
  }

  private sweep(): void {
    const t = Date.now();
    for (const [id, g] of this.grants) if (g.expires < t) this.grants.delete(id);
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
