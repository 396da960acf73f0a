import { badRequest } from './errors';

export interface Page<T> {
  readonly items: T[];
  readonly links: { pages: Record<string, string> };
  readonly meta: { total: number };
}

function intParam(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** DigitalOcean's pagination: `page` (from 1), `per_page` (1–200, default 20), `links.pages` and `meta.total`. */
export function paginate<T>(all: readonly T[], query: { page?: unknown; per_page?: unknown }, url: string): Page<T> {
  const perPage = intParam(query.per_page, 'per_page', 1, 200, 20);
  const page = intParam(query.page, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const link = (p: number): string => `${url}?page=${p}&per_page=${perPage}`;
  const pages: Record<string, string> = {};
  if (page > 1) {
    pages.first = link(1);
    pages.prev = link(Math.min(page - 1, lastPage));
  }
  if (page < lastPage) {
    pages.next = link(page + 1);
    pages.last = link(lastPage);
  }
  return { items: all.slice((page - 1) * perPage, page * perPage), links: { pages }, meta: { total: all.length } };
}
