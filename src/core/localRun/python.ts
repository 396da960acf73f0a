import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

// The same rule as the local platform (src/platform/runtime/shims.ts), which core may not import: Debian's
// python3-uvicorn installs only the module, and the python3 first on PATH may lack FastAPI, so a shim folder first on
// PATH makes `uvicorn`/`python3` in a manifest's run command mean "<interpreter> -m uvicorn" / "<interpreter>".

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Answers whether `python` runs and can import every module of `modules`; the first missing one otherwise. */
export function missingModule(python: string, modules: readonly string[]): Promise<string | undefined> {
  const script = `import importlib, sys\nfor m in sys.argv[1:]:\n  try: importlib.import_module(m)\n  except Exception: print(m); break`;
  return new Promise((resolve) => {
    execFile(python, ['-c', script, ...modules], { timeout: 20_000 }, (err, stdout) => {
      if (err) return resolve(modules[0] ?? 'python');
      const first = stdout.trim();
      resolve(first || undefined);
    });
  });
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** The interpreter a local run uses: the configured one, else /usr/bin/python3 with FastAPI and uvicorn, else python3 on PATH. */
export async function choosePython(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (configured) return configured;
  if (!(await missingModule('/usr/bin/python3', ['fastapi', 'uvicorn']))) return '/usr/bin/python3';
  return (await onPath('python3', env)) ?? (await onPath('python', env)) ?? '/usr/bin/python3';
}

/**
 * Writes the shim folder (idempotent). `uvicorn` binds $HOST last (a manifest may say 0.0.0.0; a local run serves on
 * loopback), adds `--reload` when ODOOBO_RUN_RELOAD is set, and starts under debugpy when ODOOBO_RUN_DEBUG_PORT is set.
 */
export async function writeShims(shimDir: string, python: string): Promise<void> {
  await fs.mkdir(shimDir, { recursive: true });
  const py = quote(python);
  const uvicorn = [
    'set -- "$@" --host "${HOST:-127.0.0.1}"',
    'if [ -n "$ODOOBO_RUN_RELOAD" ]; then set -- "$@" --reload --reload-dir "$PWD"; fi',
    'if [ -n "$ODOOBO_RUN_DEBUG_PORT" ]; then',
    `  exec ${py} -m debugpy --listen "127.0.0.1:$ODOOBO_RUN_DEBUG_PORT" --wait-for-client -m uvicorn "$@"`,
    'fi',
    `exec ${py} -m uvicorn "$@"`,
  ].join('\n');
  const scripts: Record<string, string> = {
    python: `exec ${py} "$@"`,
    python3: `exec ${py} "$@"`,
    uvicorn,
    pip: `exec ${py} -m pip "$@"`,
    pip3: `exec ${py} -m pip "$@"`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(shimDir, name);
    const text = `#!/bin/sh\n# Written by odoobo's local run (src/core/localRun/python.ts).\n${body}\n`;
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o755 });
    await fs.rename(tmp, file);
  }
}
