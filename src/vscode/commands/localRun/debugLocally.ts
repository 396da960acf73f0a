import * as vscode from 'vscode';
import { choosePython, missingModule } from '../../../core/localRun/python';
import { freePort } from '../../../core/localRun/runner';
import { SKILL_DEBUG_TYPE } from '../../localRun/debugProvider';
import { localRuns } from '../../localRun/localRuns';
import { oneSkill } from '../../localRun/skillArg';
import type { CommandContext } from '../context';

/** What the debug provider passes: the configuration to resolve. */
interface ResolveRequest {
  readonly debugConfiguration: vscode.DebugConfiguration;
  readonly folder?: vscode.WorkspaceFolder;
}

/** VS Code's Python debugger (attach to debugpy); the older Python extension carried it before it was split out. */
const PYTHON_DEBUGGERS = ['ms-python.debugpy', 'ms-python.python'];

function isResolveRequest(arg: unknown): arg is ResolveRequest {
  return !!arg && typeof arg === 'object' && 'debugConfiguration' in arg;
}

/** What is missing to debug on this machine, each with how to install it; empty when nothing is. */
async function missingForDebug(python: string): Promise<string[]> {
  const missing: string[] = [];
  if (await missingModule(python, ['debugpy'])) {
    missing.push(`the Python module debugpy for ${python} (\`${python} -m pip install debugpy\`, or Debian's python3-debugpy)`);
  }
  if (!PYTHON_DEBUGGERS.some((id) => vscode.extensions.getExtension(id))) {
    missing.push("VS Code's Python Debugger extension (ms-python.debugpy), which attaches to debugpy");
  }
  return missing;
}

/** Starts the skill under debugpy from its worktree and answers the Python debugger's attach configuration. */
async function resolve(ctx: CommandContext, req: ResolveRequest): Promise<vscode.DebugConfiguration | undefined> {
  const config = req.debugConfiguration;
  const ref = await oneSkill(ctx, typeof config.skill === 'string' ? config.skill : undefined, 'Debug Locally');
  if (!ref) return undefined;
  if (typeof config.skill === 'string' && ref.name !== config.skill) {
    throw new Error(`no skill named "${config.skill}" (launch.json: skill)`);
  }
  const python = await choosePython(process.env.ODOOBO_PYTHON);
  const missing = await missingForDebug(python);
  if (missing.length) {
    const them = missing.length > 1 ? 'them' : 'it';
    throw new Error(`Debugging ${ref.name} needs ${missing.join(' and ')}. Install ${them}, then press F5 again.`);
  }
  const runs = localRuns(ctx.extension);
  const { skill } = await runs.sourceOf(ref.store, ref.name);
  const port = await freePort();
  const run = await runs.start(ref.store, ref.name, { debugPort: port });
  const name = typeof config.name === 'string' && config.name ? config.name : `Debug ${ref.name} (local run)`;
  const sub = vscode.debug.onDidTerminateDebugSession((s) => {
    if (s.configuration.odooboSkill !== ref.name) return;
    sub.dispose();
    void run.stop();
  });
  return {
    type: 'python',
    request: 'attach',
    name,
    connect: { host: '127.0.0.1', port },
    pathMappings: [{ localRoot: skill.dir, remoteRoot: skill.dir }],
    justMyCode: true,
    odooboSkill: ref.name,
    odooboUrl: run.url,
  };
}

/**
 * `odoobo.debugLocally`: starts debugging a skill (tree, palette). Called by the debug provider with a configuration,
 * it resolves it instead; a machine without debugpy or the Python debugger gets the message what to install.
 */
export async function debugLocally(ctx: CommandContext, arg?: unknown): Promise<unknown> {
  if (isResolveRequest(arg)) return resolve(ctx, arg);
  const ref = await oneSkill(ctx, arg, 'Debug Locally');
  if (!ref) return false;
  const name = `Debug ${ref.name} (local run)`;
  return vscode.debug.startDebugging(ref.store.folder, { type: SKILL_DEBUG_TYPE, request: 'launch', name, skill: ref.name });
}
