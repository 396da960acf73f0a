/** Shared pieces of the App Platform Zod schemas: primitives, open enums, errors and pagination. */
import { z } from 'zod';

/** An enum that accepts unknown values too, typed so editors still suggest the known ones. */
export function openEnum<const T extends readonly [string, ...string[]]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {})>;
}

export const str = z.string();
export const int = z.number().int();
export const num = z.number();
export const bool = z.boolean();
export const strings = z.array(z.string());

// ---------------------------------------------------------------------------------------------------------------
// Errors and pagination (shared_error, shared_pages_*, shared_meta)

/** shared_error: every non-2xx body. */
export const ErrorBodySchema = z.looseObject({ id: str, message: str, request_id: str.optional() });

/** shared_pages_page_links: `links.pages.{first,prev,next,last}` (absolute URLs). */
export const PageLinksSchema = z.looseObject({
  pages: z
    .looseObject({ first: str.optional(), prev: str.optional(), next: str.optional(), last: str.optional() })
    .optional(),
});
/** shared_meta: `meta.total` is required. */
export const MetaSchema = z.looseObject({ total: int });
