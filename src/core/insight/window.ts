/** The report's window: `--since 30d` (days, hours or weeks back from now) or a date (YYYY-MM-DD or ISO 8601). */
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DEFAULT_WINDOW = '30d';

/** When the window starts; throws naming `option` and the forms it takes. */
export function parseSince(text: string, now = Date.now(), option = '--since'): Date {
  const m = /^\s*(\d+)\s*([hdw])\s*$/i.exec(text);
  if (m) {
    const n = Number(m[1]);
    if (n > 0) return new Date(now - n * UNIT_MS[m[2].toLowerCase()]);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (!Number.isNaN(t) && t <= now) return new Date(t);
  }
  const forms = 'a duration back from now (e.g. 30d, 12h, 2w) or a past date (2026-01-31)';
  throw new Error(`${option} expects ${forms}, got ${JSON.stringify(text)}`);
}
