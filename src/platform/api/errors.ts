/** An API error in DigitalOcean's shape: `{id, message, request_id}` with DigitalOcean's ids. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly id: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (message = 'The resource you requested could not be found.'): ApiError => new ApiError(404, 'not_found', message);
export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);
export const unprocessable = (message: string): ApiError => new ApiError(422, 'unprocessable_entity', message);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);
export const unauthorized = (): ApiError => new ApiError(401, 'unauthorized', 'Unable to authenticate you.');
export const tooManyRequests = (retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'too_many_requests', 'API rate limit exceeded.', { 'retry-after': String(retryAfterSeconds) });
export const serverError = (status = 500, message = 'Unexpected server-side error'): ApiError =>
  new ApiError(status, 'server_error', message);
export const forbidden = (message: string): ApiError => new ApiError(403, 'forbidden', message);
