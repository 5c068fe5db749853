/**
 * `Http` port (types only; architecture.md "Ports and adapters", stop-gate.md §4). One request with a hard timeout that
 * covers the whole exchange (request start to end of body). Failures are told apart so a decision can name them:
 * `Timeout` (the limit was reached), `Unreachable` (DNS or connection error, or any transport error), `TooLarge` (the
 * body exceeded `maxBodyBytes`). A non-2xx answer is NOT a failure of the port: it is returned as a response with
 * its `status`, and the decision decides (e.g. `hot-path-http-status`).
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';

/** One HTTP request. `timeoutMs` (ms) bounds the whole exchange; `maxBodyBytes` bounds the response body (bytes). */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute `http:` or `https:` URL. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body (UTF-8), for POST. */
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

/** A complete answer: status code and the body decoded as UTF-8. */
export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/** Why a request produced no complete answer. `detail` is short (≤ 200 characters) and byte-free. */
export type HttpFailure =
  | { readonly _tag: 'Timeout'; readonly detail: string }
  | { readonly _tag: 'Unreachable'; readonly detail: string }
  | { readonly _tag: 'TooLarge'; readonly detail: string };

/** The port. Never throws and never rejects: every outcome is a `Right` response or a `Left` failure. */
export interface Http {
  readonly request: (req: HttpRequest) => TaskEither<HttpFailure, HttpResponse>;
}
