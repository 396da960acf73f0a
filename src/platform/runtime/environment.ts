import * as path from 'node:path';

// What a skill's processes (build_command and run_command) see: what App Platform would give a container, built from
// an allow-list, never from the platform's own environment minus a few names. The platform may hold
// DIGITALOCEAN_ACCESS_TOKEN, GITHUB_TOKEN, ODOOBO_LOCAL_TOKEN, npm/git credentials or an ssh agent; skill code is
// whatever a branch contains, so none of that may reach it.

/** The system folders on a skill's PATH, after the shim folder (no user folders: they are the parent's, not the skill's). */
export const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Names a skill inherits from the platform's environment: home, locale, time zone, temporary folder. Nothing else. */
const INHERITED = new Set(['HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR']);
const INHERITED_PREFIX = 'LC_';

/** What git (the platform's own checkout, not skill code) may also use: its config, proxies and an ssh agent for private remotes. */
const GIT_ONLY = new Set(['USER', 'LOGNAME', 'XDG_CONFIG_HOME', 'SSH_AUTH_SOCK', 'SSH_ASKPASS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'http_proxy', 'https_proxy', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

function inherited(parent: NodeJS.ProcessEnv, keep: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && keep(k)) out[k] = v;
  return out;
}

function isInherited(name: string): boolean {
  return INHERITED.has(name) || name.startsWith(INHERITED_PREFIX);
}

export interface SkillEnvInput {
  /** The platform's environment (process.env): only home, locale, time zone and TMPDIR are taken from it. */
  readonly parent: NodeJS.ProcessEnv;
  /** `<data>/shims`, first on PATH. */
  readonly shimDir: string;
  /** The spec's envs for this phase with secrets resolved and bindable variables (${APP_URL}…) bound: `envOf`. */
  readonly specEnvs: Readonly<Record<string, string>>;
  /** Set last, over the spec's envs: PORT, HOST and the like. */
  readonly platform?: Readonly<Record<string, string>>;
}

/** A skill's environment (build or run): the allow-list, then the spec's envs, then PATH and the platform's variables. */
export function skillEnv(input: SkillEnvInput): Record<string, string> {
  return {
    ...inherited(input.parent, isInherited),
    PYTHONUNBUFFERED: '1',
    ...input.specEnvs,
    // The shims must stay first whatever the spec says, as they do on App Platform's buildpack PATH.
    PATH: [input.shimDir, ...SYSTEM_PATH].join(path.delimiter),
    ...input.platform,
  };
}

/**
 * The environment of git as the platform runs it: the parent's PATH (git's helpers, ssh), its git/ssh/proxy settings
 * and the skill allow-list, but none of the platform's API tokens (DIGITALOCEAN_ACCESS_TOKEN, ODOOBO_*, GITHUB_TOKEN…).
 */
export function gitEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  return {
    ...inherited(parent, (k) => isInherited(k) || GIT_ONLY.has(k) || k.startsWith('GIT_')),
    PATH: parent.PATH ?? SYSTEM_PATH.join(path.delimiter),
    GIT_TERMINAL_PROMPT: '0',
  };
}
