import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

// How skills' Python runs locally. App Platform's Python buildpack puts a `uvicorn` executable and the app's
// requirements on PATH; here there may be no `uvicorn` executable at all (Debian's python3-uvicorn only installs the
// module) and the `python3` first on PATH may lack FastAPI. So the platform writes a shim folder, `<data>/shims`, and
// puts it first on PATH for build and run commands:
//   python, python3   → exec <interpreter> "$@"
//   uvicorn, gunicorn → exec <interpreter> -m <module> "$@"   (uvicorn also gets `--host "$HOST"` last, see below)
//   pip, pip3         → exec <interpreter> -m pip "$@"
// <interpreter> is `LocalPlatformOptions.python` / `odoobo platform start --python <path>`; by default
// /usr/bin/python3 when it can import fastapi and uvicorn, else the first python3 on PATH (outside the shim folder).
// The local platform does not install requirements.txt: the interpreter must already have what skills import.

export const SHIMMED_COMMANDS = ['python', 'python3', 'uvicorn', 'gunicorn', 'pip', 'pip3'] as const;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function run(file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(file, args, { timeout: 20_000 }, (err) => resolve(!err)));
}

async function onPath(name: string, exclude: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === path.resolve(exclude)) continue;
    const candidate = path.join(dir, name);
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** The interpreter the shims run: the configured one, else /usr/bin/python3 with FastAPI, else python3 on PATH. */
export async function choosePython(configured: string | undefined, shimDir: string): Promise<string> {
  if (configured) return configured;
  if (await run('/usr/bin/python3', ['-c', 'import fastapi, uvicorn'])) return '/usr/bin/python3';
  return (await onPath('python3', shimDir)) ?? (await onPath('python', shimDir)) ?? '/usr/bin/python3';
}

/** Writes the shim folder (idempotent) and answers its path. */
export async function writeShims(shimDir: string, python: string): Promise<string> {
  await fs.mkdir(shimDir, { recursive: true });
  const py = shellQuote(python);
  const scripts: Record<(typeof SHIMMED_COMMANDS)[number], string> = {
    python: `exec ${py} "$@"`,
    python3: `exec ${py} "$@"`,
    // A local platform serves on loopback only: whatever --host the run_command asks (App Platform specs say 0.0.0.0),
    // the last --host wins in uvicorn's CLI, so the process binds $HOST (127.0.0.1) when the platform set it.
    uvicorn: `if [ -n "$HOST" ]; then exec ${py} -m uvicorn "$@" --host "$HOST"; fi\nexec ${py} -m uvicorn "$@"`,
    gunicorn: `exec ${py} -m gunicorn "$@"`,
    pip: `exec ${py} -m pip "$@"`,
    pip3: `exec ${py} -m pip "$@"`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(shimDir, name);
    const text = `#!/bin/sh\n# Written by the Odoobo local App Platform (see src/platform/runtime/shims.ts).\n${body}\n`;
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o755 });
    await fs.rename(tmp, file);
  }
  return shimDir;
}
