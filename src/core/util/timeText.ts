/**
 * How durations and ages read everywhere: the CLI, the Skills tree, the dashboard webview (bundled for the browser,
 * so nothing here may import Node or vscode).
 */

/** How long something took: `420 ms`, `1.5 s`, `12 s`, `1 min 5 s`, `2 min`, `1 h 5 min`. '' for no valid length. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  // One decimal while it says something (4.2 s); 9.96 s rounds up into whole seconds.
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export interface AgoOptions {
  /** Say `just now` below this many seconds: for text that is not redrawn every second (a tree, a webview). */
  justNowUnderS?: number;
}

/** For the tree and the dashboard: their text stays as drawn until something changes. */
export const UI_AGO: AgoOptions = { justNowUnderS: 45 };

/**
 * How long ago `at` (ms since the epoch) was: `12 s ago`, `3 min ago`, `2 h ago`, `5 d ago`, in whole units (a unit
 * is said once it has passed: 119 s is `1 min ago`). A time in the future (clocks differ) reads as now. '' when
 * `at` is not a time.
 */
export function formatAgo(at: number | undefined, now = Date.now(), options: AgoOptions = {}): string {
  if (at === undefined || !Number.isFinite(at)) return '';
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (options.justNowUnderS !== undefined && s < options.justNowUnderS) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The same for an ISO time (as App Platform and the status file write them); '' when it is not one. */
export function formatAgoIso(iso: string | undefined | null, now = Date.now(), options: AgoOptions = {}): string {
  return iso ? formatAgo(Date.parse(iso), now, options) : '';
}
