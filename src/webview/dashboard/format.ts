/** How durations and times read in the dashboard. No DOM, no vscode. */

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

export function formatAgo(at: number | undefined, now = Date.now()): string {
  if (at === undefined || !Number.isFinite(at)) return '';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 7) : '';
}

/** App Platform's cause text is long (`commit 1a2b3c pushed to github.com/…`); keep its first words. */
export function shortCause(cause: string | undefined): string {
  if (!cause) return '';
  return cause.length > 60 ? `${cause.slice(0, 59)}…` : cause;
}
