/**
 * Runs a mocha extension test suite (the same `run()` module @vscode/test-electron runs) inside code-server's real
 * extension host, driven by headless chromium (how and why: CONTRIBUTING.md's notes on VS Code in CI).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import type { ConsoleMessage } from 'playwright-core';
import { launchChromium, startCodeServer, type Chromium, type CodeServer } from './codeServer';
import { ensureEnv, type TestEnv } from './env';

export interface RunExtensionTestsOptions {
  /** Folder holding the extension's package.json (its `main` must be built). */
  readonly extensionDevelopmentPath: string;
  /** The compiled test module exporting `run(): Promise<void>`. */
  readonly extensionTestsPath: string;
  /** Folder opened in the workbench. */
  readonly workspace: string;
  /** Environment variables for the extension host (JSON in the payload's `extensionEnvironment`). */
  readonly extensionEnvironment?: Record<string, string>;
  /** true (default): workspace trust disabled (trusted). false: untrusted (restricted mode). */
  readonly trusted?: boolean;
  /** Extra user settings. */
  readonly settings?: Record<string, unknown>;
  /** Whole-run timeout, server start included (default 240 s). */
  readonly timeoutMs?: number;
  /** Tool paths (default: from scripts/ensure-env.sh). */
  readonly env?: TestEnv;
  /** Where extension-host output goes (default: stdout). */
  readonly write?: (line: string) => void;
  /** Also print the workbench's own console messages (default: only with ODOOBO_HARNESS_VERBOSE). */
  readonly verbose?: boolean;
}

export interface RunExtensionTestsResult {
  /** The extension host's exit code as reported by the workbench: 0 when run() resolved, non-zero otherwise. */
  readonly exitCode: number;
  /** Extension-host console lines (styling stripped), in order. */
  readonly logs: string[];
  /** The workbench's own console messages and page errors. */
  readonly workbenchLogs: string[];
  readonly timings: { serverStartMs: number; runMs: number; totalMs: number };
}

export class ExtensionTestsTimeoutError extends Error {
  constructor(message: string, readonly logs: string[], readonly workbenchLogs: string[]) {
    super(message);
    this.name = 'ExtensionTestsTimeoutError';
  }
}

const EXT_HOST_PREFIX = /^\[Extension Host\] ?/;
const EXT_HOST_MARK = '\u0000odoobo-exthost\u0000';

/**
 * Runs in the page before the workbench: tags console calls made on behalf of the extension host.
 * With an extensionTestsPath, VS Code's MainThreadConsole.$logExtensionHostMessage passes the extension host's
 * console calls to the log service, which prints them like its own lines (`'%c INFO', 'color: #33f', msg, ...args`)
 * with no label; the call stack is the only thing that tells them apart. ($-prefixed RPC method names survive
 * minification.)
 */
const TAG_EXT_HOST_CONSOLE = `(() => {
  const mark = ${JSON.stringify(EXT_HOST_MARK)};
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    const orig = console[m];
    if (typeof orig !== 'function') continue;
    console[m] = function (...args) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack || '';
      Error.stackTraceLimit = limit;
      if (stack.includes('$logExtensionHostMessage')) return orig.call(console, mark, ...args);
      return orig.apply(console, args);
    };
  }
})();`;

/** The log service's level tag (`'%c INFO', 'color: #33f'`) that precedes a message. */
const LEVEL_TAG = /^%c\s*(TRACE|DEBUG|INFO|WARN|ERR)\s*$/;

/**
 * Formats console arguments like the browser console would, minus the `%c` styling: util.format drops `%c` and its
 * CSS argument and substitutes %s/%d/%o. A leading log-level tag (`'%c INFO', 'color: …'`) is removed (kept as
 * `WARN`/`ERR` for those levels), and the message after it is treated as the format string, as the extension
 * host's own console.log would have.
 */
export function formatConsoleArgs(values: readonly unknown[]): string {
  let v = [...values];
  let level = '';
  if (typeof v[0] === 'string' && LEVEL_TAG.test(v[0])) {
    const l = LEVEL_TAG.exec(v[0])![1];
    if (l === 'WARN' || l === 'ERR') level = `${l} `;
    v = v.slice(typeof v[1] === 'string' && /^color:/.test(v[1]) ? 2 : 1);
  }
  if (v.length === 0) return level.trimEnd();
  return level + format(...(v as [unknown, ...unknown[]]));
}

/** Strips `%c` markers and the trailing CSS values from a console text we could not get the arguments of. */
export function stripStyling(text: string): string {
  const n = (text.match(/%c/g) ?? []).length;
  let out = text.replace(/%c/g, '');
  for (let i = 0; i < n; i++) out = out.replace(/\s*color:\s*[\w#()-]*\s*$/, '');
  return out;
}

async function messageText(msg: ConsoleMessage): Promise<{ text: string; extHost: boolean }> {
  let values: unknown[] | undefined;
  try {
    values = await Promise.all(msg.args().map((a) => a.jsonValue() as Promise<unknown>));
  } catch {
    /* handles gone (navigation) or not serialisable: fall back to the text */
  }
  if (!values || values.length === 0) {
    const text = stripStyling(msg.text());
    const marked = text.startsWith(EXT_HOST_MARK);
    return { text: marked ? stripStyling(text.slice(EXT_HOST_MARK.length).trim()) : text, extHost: marked };
  }
  const marked = values[0] === EXT_HOST_MARK;
  const text = formatConsoleArgs(marked ? values.slice(1) : values);
  if (!marked && EXT_HOST_PREFIX.test(text)) return { text: text.replace(EXT_HOST_PREFIX, ''), extHost: true };
  return { text, extHost: marked };
}

export async function runExtensionTests(options: RunExtensionTestsOptions): Promise<RunExtensionTestsResult> {
  const timeoutMs = options.timeoutMs ?? 240_000;
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const verbose = options.verbose ?? !!process.env.ODOOBO_HARNESS_VERBOSE;
  const started = Date.now();

  const extensionDevelopmentPath = path.resolve(options.extensionDevelopmentPath);
  const extensionTestsPath = path.resolve(options.extensionTestsPath);
  const workspace = path.resolve(options.workspace);
  if (!existsSync(path.join(extensionDevelopmentPath, 'package.json'))) {
    throw new Error(`no extension at ${extensionDevelopmentPath} (package.json missing)`);
  }
  if (!existsSync(extensionTestsPath)) {
    throw new Error(`test module ${extensionTestsPath} does not exist (build it first: node esbuild.mjs)`);
  }
  if (!existsSync(workspace)) throw new Error(`workspace folder ${workspace} does not exist`);

  const env = options.env ?? (await ensureEnv());
  const logs: string[] = [];
  const workbenchLogs: string[] = [];
  let server: CodeServer | undefined;
  let browser: Chromium | undefined;
  let timer: NodeJS.Timeout | undefined;
  let serverStartMs = 0;
  let runStarted = 0;
  let finished = false;

  // Console messages are formatted asynchronously (argument handles); a chain keeps them in order.
  let consoleChain: Promise<void> = Promise.resolve();

  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const tail = logs.slice(-20).join('\n');
      const wtail = workbenchLogs.slice(-20).join('\n');
      reject(
        new ExtensionTestsTimeoutError(
          `EXTENSION TESTS TIMED OUT: no exit code from the extension host within ${Math.round(timeoutMs / 1000)} s ` +
            `(${server ? 'code-server was up' : 'code-server did not start'}). ` +
            `Check that run() in ${extensionTestsPath} settles, that the extension activates, and that the server ` +
            `runs with --vscode-option enable-smoke-test-driver.\n` +
            `--- last extension host lines ---\n${tail || '(none)'}\n--- last workbench console lines ---\n${wtail || '(none)'}`,
          logs,
          workbenchLogs,
        ),
      );
    }, timeoutMs);
  });
  timedOut.catch(() => undefined);

  const run = async (): Promise<number> => {
    const s = await startCodeServer({ env, trusted: options.trusted ?? true, settings: options.settings });
    if (finished) {
      await s.stop(); // the timeout fired while it was starting
      throw new Error('aborted');
    }
    server = s;
    serverStartMs = Date.now() - started;
    const b = await launchChromium(env);
    if (finished) {
      await b.close();
      throw new Error('aborted');
    }
    browser = b;
    const { page } = browser;

    let resolveExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    // Must be exposed before page.goto: the workbench calls it with the extension host's exit code once the
    // test module's run() settles (0 resolved, non-zero rejected or crashed).
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      const n = typeof code === 'number' ? code : Number(code);
      resolveExit(Number.isFinite(n) ? n : 1);
    });
    page.on('console', (msg) => {
      consoleChain = consoleChain.then(async () => {
        const { text, extHost } = await messageText(msg);
        if (extHost) {
          for (const line of text.split('\n')) {
            logs.push(line);
            write(line);
          }
        } else {
          workbenchLogs.push(`[${msg.type()}] ${text}`);
          if (verbose) process.stderr.write(`[workbench ${msg.type()}] ${text}\n`);
        }
      });
    });
    page.on('pageerror', (err) => {
      workbenchLogs.push(`[pageerror] ${err.message}`);
      if (verbose) process.stderr.write(`[workbench pageerror] ${err.message}\n`);
    });

    const payload: [string, string][] = [
      ['extensionDevelopmentPath', server.remoteUri(extensionDevelopmentPath)],
      ['extensionTestsPath', server.remoteUri(extensionTestsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    if (options.extensionEnvironment && Object.keys(options.extensionEnvironment).length > 0) {
      payload.push(['extensionEnvironment', JSON.stringify(options.extensionEnvironment)]);
    }
    await page.addInitScript(TAG_EXT_HOST_CONSOLE);
    const url = `${server.folderUrl(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    runStarted = Date.now();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const code = await exited;
    // Let the last console messages arrive and be formatted.
    await new Promise((r) => setTimeout(r, 300));
    await consoleChain;
    return code;
  };

  try {
    const exitCode = await Promise.race([run(), timedOut]);
    const now = Date.now();
    return {
      exitCode,
      logs,
      workbenchLogs,
      timings: { serverStartMs, runMs: runStarted ? now - runStarted : 0, totalMs: now - started },
    };
  } finally {
    finished = true;
    clearTimeout(timer);
    const b = browser;
    const s = server;
    await b?.close();
    await s?.stop();
  }
}
