/**
 * The deployment dashboard's message protocol, both ways, as zod schemas. Shared by the extension host and the
 * webview bundle, so it imports neither `vscode` nor Node: each side validates what arrives and drops the rest.
 */
// zod/mini: the same validation as zod, at a few KiB of webview bundle instead of ~200.
import * as z from 'zod/mini';
import { SKILL_NAME_PATTERN } from '../../core/skills/names';

export const DASHBOARD_VIEW_TYPE = 'odoobo.dashboard';

const skillName = z.string().check(z.regex(SKILL_NAME_PATTERN, 'a skill name'));
const text = z.string().check(z.maxLength(4000));
const shortText = (n: number) => z.string().check(z.maxLength(n));
const durationMs = z.number().check(z.nonnegative());
const epochMs = z.number().check(z.nonnegative());
const count = z.int().check(z.nonnegative());
const httpUrl = z.string().check(z.maxLength(2048), z.regex(/^https?:\/\//, 'an http(s) URL'));
const list = <T extends z.ZodMiniType>(item: T, max: number) => z.array(item).check(z.maxLength(max));

// ------------------------------------------------------------------------------------------------------------------
// Rows

/** A skill's phase on the current target; `not-deployed` when nothing is recorded. */
export const ROW_PHASES = ['deploying', 'active', 'failed', 'canceled', 'not-deployed'] as const;
export type RowPhase = (typeof ROW_PHASES)[number];

export const ACTION_KINDS = ['deploy', 'cancel', 'test', 'rollback', 'logs', 'openUrl'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** One step of the deployment procedure as the timeline shows it. */
export const TimelineStepSchema = z.object({
  name: shortText(64),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'canceled']),
  durationMs: z.optional(durationMs),
  message: z.optional(text),
});
export type TimelineStep = z.infer<typeof TimelineStepSchema>;

export const HealthSchema = z.object({ status: z.enum(['healthy', 'unhealthy', 'unknown']), message: z.optional(text) });
export type Health = z.infer<typeof HealthSchema>;

const percent = z.number().check(z.gte(0), z.lte(100));

/** The app's live figures (`GET /v2/apps/{id}/health`): the latest sample and the CPU of the last minutes, oldest first. */
export const ResourcesSchema = z.object({
  cpu: z.optional(percent),
  mem: z.optional(percent),
  ready: count,
  desired: count,
  cpuHistory: list(percent, 30),
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const SmokeSummarySchema = z.object({
  passed: z.boolean(),
  passedChecks: count,
  totalChecks: count,
  at: z.optional(epochMs),
  /** `name: message` of each check that did not pass. */
  failures: list(text, 20),
});
export type SmokeSummary = z.infer<typeof SmokeSummarySchema>;

export const RowErrorSchema = z.object({ code: shortText(64), step: shortText(64), message: text, mitigation: text });

export const SkillRowSchema = z.object({
  skill: skillName,
  phase: z.enum(ROW_PHASES),
  /** The last deploy failed or was canceled, and the previous deployment still serves at `liveUrl`. */
  servingPrevious: z.optional(z.boolean()),
  /** The step or App Platform progress line in flight. */
  detail: z.optional(text),
  deploymentId: z.optional(shortText(128)),
  liveUrl: z.optional(httpUrl),
  commit: z.optional(shortText(64)),
  at: z.optional(epochMs),
  durationMs: z.optional(durationMs),
  steps: list(TimelineStepSchema, 40),
  error: z.optional(RowErrorSchema),
  health: HealthSchema,
  resources: z.optional(ResourcesSchema),
  smoke: z.optional(SmokeSummarySchema),
  /** Which actions make sense now (the commands still check for themselves). */
  actions: z.object({
    deploy: z.boolean(),
    cancel: z.boolean(),
    test: z.boolean(),
    rollback: z.boolean(),
    logs: z.boolean(),
    openUrl: z.boolean(),
  }),
});
export type SkillRow = z.infer<typeof SkillRowSchema>;

// ------------------------------------------------------------------------------------------------------------------
// History

/** An App Platform progress step (flattened), with its duration when it ran. */
export const ProgressStepSchema = z.object({
  name: shortText(200),
  depth: z.int().check(z.minimum(0), z.maximum(10)),
  status: shortText(32),
  /** Milliseconds from the deployment's first step start; for the timeline's offset. */
  offsetMs: z.optional(durationMs),
  durationMs: z.optional(durationMs),
  reason: z.optional(text),
});
export type ProgressStep = z.infer<typeof ProgressStepSchema>;

export const HistoryEntrySchema = z.object({
  id: shortText(128),
  phase: shortText(32),
  cause: z.optional(text),
  createdAt: z.optional(shortText(64)),
  durationMs: z.optional(durationMs),
  commit: z.optional(shortText(64)),
  steps: list(ProgressStepSchema, 200),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

// ------------------------------------------------------------------------------------------------------------------
// The webview's own UI state (setState / the serializer's state)

export const UiStateSchema = z.object({
  selected: z.optional(skillName),
  /** The history entry whose timeline is shown. */
  deployment: z.optional(shortText(128)),
  expanded: z._default(list(skillName, 500), []),
  scrollY: z._default(z.number().check(z.nonnegative()), 0),
});
export type UiState = z.infer<typeof UiStateSchema>;

/** Reads a persisted UI state; anything unreadable becomes the empty state. */
export function readUiState(value: unknown): UiState {
  const r = UiStateSchema.safeParse(value ?? {});
  return r.success ? r.data : { expanded: [], scrollY: 0 };
}

// ------------------------------------------------------------------------------------------------------------------
// Messages

export const TARGETS = ['local', 'digitalocean'] as const;

const envName = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,20}$/, 'an environment name'));

/** The editor's environment (odoobo.environment) that the rows are of, and the repository's others. */
const EnvironmentInfoSchema = z.object({
  current: envName,
  all: list(envName, 20),
  requiresApproval: z.boolean(),
});
export type EnvironmentInfo = z.infer<typeof EnvironmentInfoSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** Everything, after `ready` or when many skills changed. `ui`: the state the panel was restored with. */
  z.object({
    type: z.literal('state'),
    target: z.enum(TARGETS),
    trusted: z.boolean(),
    rows: list(SkillRowSchema, 500),
    ui: z.optional(UiStateSchema),
    environment: z.optional(EnvironmentInfoSchema),
  }),
  /** Only the rows that changed. */
  z.object({ type: z.literal('rows'), rows: list(SkillRowSchema, 500) }),
  /** One skill's deployments, newest first; `error` is a message (never an error object). */
  z.object({
    type: z.literal('history'),
    skill: skillName,
    status: z.enum(['loading', 'loaded', 'error']),
    entries: list(HistoryEntrySchema, 100),
    error: z.optional(text),
    fetchedAt: z.optional(epochMs),
  }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;
export type StateMessage = Extract<HostMessage, { type: 'state' }>;
export type HistoryMessage = Extract<HostMessage, { type: 'history' }>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('action'), kind: z.enum(ACTION_KINDS), skill: skillName }),
  z.strictObject({ type: z.literal('requestHistory'), skill: skillName, refresh: z.optional(z.boolean()) }),
  /** The skill whose history is shown (null: none); the host refreshes it when its deployment changes. */
  z.strictObject({ type: z.literal('select'), skill: z.nullable(skillName) }),
  /** Switch the editor's environment (odoobo.chooseEnvironment; without one, it asks which). */
  z.strictObject({ type: z.literal('chooseEnvironment'), environment: z.optional(envName) }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodMiniType<T>, raw: unknown): Parsed<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
  return { ok: false, error: issues.join('; ') };
}

/** What the host does with a message from the webview: only a valid one is acted on. */
export const parseWebviewMessage = (raw: unknown): Parsed<WebviewMessage> => parseWith(WebviewMessageSchema, raw);
/** What the webview does with a message from the host. */
export const parseHostMessage = (raw: unknown): Parsed<HostMessage> => parseWith(HostMessageSchema, raw);
