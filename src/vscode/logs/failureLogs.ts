// No `vscode` import: unit tests read which view explains which failure without an extension host.
import type { DeployStepName } from '../../core/deploy/stepNames';
import type { SkillLogType } from './skillLogs';

/** What explains a failed deploy: the spec's findings, one of the deployment's logs, or only the extension's log. */
/** A lint finding the deploy reported (details.findings), 1-based. */
export interface ReportedFinding {
  readonly code?: string;
  readonly message: string;
  readonly line: number;
  readonly column?: number;
}

export type FailureExplanation =
  | { readonly kind: 'spec'; readonly line?: number; readonly issues: readonly string[]; readonly findings: readonly ReportedFinding[] }
  | { readonly kind: 'log'; readonly type: SkillLogType }
  | { readonly kind: 'none' };

export interface FailureFacts {
  readonly code: string;
  readonly step: DeployStepName;
  readonly details?: Record<string, unknown>;
}

/** The spec is wrong: a lint finding, App Platform's validation, or no spec at all. */
const SPEC_CODES = new Set(['APP_SPEC_MISSING', 'APP_SPEC_SYNTAX_ERROR', 'PLACEHOLDER_VALUES', 'SPEC_VALIDATION_FAILED', 'BAD_REQUEST']);
/** The target did not answer or refused us: no log of the skill explains that. */
const TARGET_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NETWORK_ERROR', 'TIMEOUT', 'RATE_LIMIT_EXCEEDED', 'SERVER_ERROR', 'ABORTED']);
/** The new version ran: what it printed tells why its checks failed. */
const RUN_STEPS = new Set<DeployStepName>(['health', 'traffic', 'post-deploy']);

function reportedFindings(details: Record<string, unknown> | undefined): ReportedFinding[] {
  const raw: unknown[] = Array.isArray(details?.findings) ? details.findings : [];
  return raw.flatMap((f) => {
    const x = f as { code?: unknown; message?: unknown; line?: unknown; column?: unknown };
    if (typeof x.line !== 'number' || typeof x.message !== 'string') return [];
    const column = typeof x.column === 'number' ? x.column : undefined;
    return [{ code: typeof x.code === 'string' ? x.code : undefined, message: x.message, line: x.line, column }];
  });
}

/** Which view explains a deploy failure (issue 17: a spec error opens the spec's findings, never a run log). */
export function explainFailure(e: FailureFacts): FailureExplanation {
  if (TARGET_CODES.has(e.code)) return { kind: 'none' };
  if (SPEC_CODES.has(e.code) || e.step === 'prepare' || e.step === 'validate') {
    if (e.code === 'SKILL_NOT_FOUND') return { kind: 'none' };
    const issues = Array.isArray(e.details?.issues) ? (e.details.issues as unknown[]).map(String) : [];
    const findings = reportedFindings(e.details);
    return { kind: 'spec', line: findings[0]?.line, issues, findings };
  }
  const failedStep = typeof e.details?.failedStep === 'string' ? e.details.failedStep : '';
  if (e.code === 'BUILD_FAILED' || /build/i.test(failedStep)) return { kind: 'log', type: 'BUILD' };
  if (RUN_STEPS.has(e.step) || ['HEALTH_CHECK_FAIL', 'ENDPOINT_404', 'PERFORMANCE_DEGRADATION'].includes(e.code)) {
    return { kind: 'log', type: 'RUN' };
  }
  // The rollout: monitor, create, cancel, timeouts and rollbacks are in the deployment's deploy log.
  return { kind: 'log', type: 'DEPLOY' };
}
