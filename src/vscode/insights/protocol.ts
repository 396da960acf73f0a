/** The Insights view's messages both ways; imported by the host and by the webview (no `vscode`, no Node). */
import type { InsightReport } from '../../core/insight/metrics';
import type { Level } from '../../core/insight/sop';

export const INSIGHTS_VIEW_TYPE = 'odoobo.insights';

/** One deploy on the deploy-time chart. */
export interface DeployPoint {
  readonly skill: string;
  readonly environment: string;
  /** Epoch ms. */
  readonly at: number;
  readonly durationMs: number;
  readonly outcome: string;
  /** Against the SOP's deployment-time thresholds. */
  readonly level: Level;
}

export interface InsightsData {
  readonly repository: string;
  readonly report: InsightReport;
  readonly points: readonly DeployPoint[];
  readonly thresholds: {
    readonly deployTimeMs: { readonly warning: number; readonly critical: number };
    readonly failureRate: { readonly warning: number; readonly critical: number };
    readonly rollbackRate: { readonly warning: number; readonly critical: number };
  };
  /** History lines that could not be read. */
  readonly skipped: number;
}

export type InsightsHostMessage = { type: 'insights'; data: InsightsData } | { type: 'error'; message: string };

export type InsightsWebviewMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  /** What was drawn: charts (canvases with data) and table alternatives. */
  | { type: 'rendered'; charts: number; tables: number }
  | { type: 'csp'; directive: string; blocked: string };

export function parseInsightsMessage(m: unknown): InsightsWebviewMessage | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const v = m as Record<string, unknown>;
  if (v.type === 'ready' || v.type === 'refresh') return { type: v.type };
  if (v.type === 'rendered' && typeof v.charts === 'number' && typeof v.tables === 'number') {
    return { type: 'rendered', charts: v.charts, tables: v.tables };
  }
  if (v.type === 'csp' && typeof v.directive === 'string' && typeof v.blocked === 'string') {
    return { type: 'csp', directive: v.directive, blocked: v.blocked };
  }
  return undefined;
}
