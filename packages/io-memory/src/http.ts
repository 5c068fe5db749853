/**
 * Scripted `Http` (kernel `ports/http.ts`) for tests and simulations: answers come from a route table keyed by
 * `METHOD path` (path without the query), honouring the same contract as the Node adapter
 * (test/contract/http.contract.ts): a route slower than the request's `timeoutMs` is `Timeout`, a body over
 * `maxBodyBytes` is `TooLarge`, a refused route or an unknown host is `Unreachable`, any status is a `Right`.
 * Time is simulated (no real waiting).
 */
import type { Http, HttpRequest } from '@arbiter/kernel';

/** One scripted answer. `delayMs` is simulated latency (ms) until the end of the body. */
export type ScriptedRoute =
  | { readonly status: number; readonly body: string; readonly delayMs?: number }
  | { readonly refuse: true };

/** A scripted `Http` that records every request. */
export interface ScriptedHttp extends Http {
  readonly requests: () => ReadonlyArray<HttpRequest>;
  readonly set: (key: string, route: ScriptedRoute | ((req: HttpRequest) => ScriptedRoute)) => void;
}

/**
 * Create a scripted `Http`. `routes` maps `GET /hot-path` style keys to answers or to functions of the request.
 * A request whose key has no route, or (when `origin` is given) whose origin differs, is `Unreachable` (like a
 * closed port).
 */
export const scriptedHttp = (
  routes: Record<string, ScriptedRoute | ((req: HttpRequest) => ScriptedRoute)> = {},
  origin?: string,
): ScriptedHttp => {
  const table = new Map(Object.entries(routes));
  const seen: HttpRequest[] = [];
  return {
    request: (req) => async () => {
      seen.push(req);
      let path: string;
      try {
        const u = new URL(req.url);
        if (origin !== undefined && u.origin !== origin) return { _tag: 'Left', left: { _tag: 'Unreachable', detail: 'ECONNREFUSED' } };
        path = u.pathname;
      } catch {
        return { _tag: 'Left', left: { _tag: 'Unreachable', detail: 'invalid URL' } };
      }
      const entry = table.get(`${req.method} ${path}`);
      const route = typeof entry === 'function' ? entry(req) : entry;
      if (route === undefined || 'refuse' in route) return { _tag: 'Left', left: { _tag: 'Unreachable', detail: 'ECONNREFUSED' } };
      if ((route.delayMs ?? 0) >= req.timeoutMs) return { _tag: 'Left', left: { _tag: 'Timeout', detail: `no complete answer within ${req.timeoutMs} ms` } };
      if (new TextEncoder().encode(route.body).length > req.maxBodyBytes) {
        return { _tag: 'Left', left: { _tag: 'TooLarge', detail: `body larger than ${req.maxBodyBytes} bytes` } };
      }
      return { _tag: 'Right', right: { status: route.status, body: route.body } };
    },
    requests: () => seen,
    set: (key, route) => {
      table.set(key, route);
    },
  };
};
