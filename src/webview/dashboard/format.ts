/** How durations and times read in the dashboard. No DOM, no vscode. */
import { formatAgo as formatAgoCore, UI_AGO } from '../../core/util/timeText';

export { formatDuration } from '../../core/util/timeText';

/** `just now` / `5 min ago`: the dashboard's text stays as drawn until the next message. */
export function formatAgo(at: number | undefined, now = Date.now()): string {
  return formatAgoCore(at, now, UI_AGO);
}

export function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 7) : '';
}

/** App Platform's cause text is long (`commit 1a2b3c pushed to github.com/…`); keep its first words. */
export function shortCause(cause: string | undefined): string {
  if (!cause) return '';
  return cause.length > 60 ? `${cause.slice(0, 59)}…` : cause;
}
