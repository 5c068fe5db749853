/**
 * Node adapter of the `Http` port (kernel `ports/http.ts`; stop-gate.md §4): one request over `node:http(s)` with
 * a hard timeout covering the whole exchange, from the start of the request to the end of the body, and a body cap.
 *
 * Failures: `Timeout` (the timer fired first), `Unreachable` (DNS, connection refused or reset, TLS, any socket
 * error), `TooLarge` (more than `maxBodyBytes`). A non-2xx answer is a `Right` with its status; the decision maps it.
 * `node:http` and `node:https` are loaded only when a request is made, so hooks that never call out pay nothing.
 */
import type { Http, HttpFailure, HttpRequest, HttpResponse } from '@arbiter/kernel';
import type { Either } from 'fp-ts/lib/Either.js';

const short = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

type HttpModule = typeof import('node:http');

/** Perform one request. Never throws and never rejects. */
export const httpRequest = async (req: HttpRequest): Promise<Either<HttpFailure, HttpResponse>> => {
  let mod: HttpModule;
  try {
    mod = (req.url.startsWith('https:') ? await import('node:https') : await import('node:http')) as unknown as HttpModule;
  } catch {
    return { _tag: 'Left', left: { _tag: 'Unreachable', detail: 'http module unavailable' } };
  }
  return requestWith(mod, req);
};

const requestWith = (mod: HttpModule, req: HttpRequest): Promise<Either<HttpFailure, HttpResponse>> =>
  new Promise((resolve) => {
    let settled = false;
    let cleanup: () => void = () => undefined;
    const settle = (r: Either<HttpFailure, HttpResponse>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      resolve(r);
    };
    const left = (f: HttpFailure): void => settle({ _tag: 'Left', left: f });
    const timer = setTimeout(() => left({ _tag: 'Timeout', detail: `no complete answer within ${req.timeoutMs} ms` }), Math.max(0, req.timeoutMs));
    let url: URL;
    try {
      url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('unsupported protocol');
    } catch {
      left({ _tag: 'Unreachable', detail: 'invalid URL' });
      return;
    }
    try {
      const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
      const r = mod.request(
        url,
        {
          method: req.method,
          headers: { ...(req.headers ?? {}), ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > req.maxBodyBytes) {
              left({ _tag: 'TooLarge', detail: `body larger than ${req.maxBodyBytes} bytes` });
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => settle({ _tag: 'Right', right: { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') } }));
          res.on('error', (e) => left({ _tag: 'Unreachable', detail: short(String((e as { code?: string }).code ?? e.message)) }));
          res.on('aborted', () => left({ _tag: 'Unreachable', detail: 'response aborted' }));
        },
      );
      cleanup = () => {
        r.destroy();
      };
      r.on('error', (e) => left({ _tag: 'Unreachable', detail: short(String((e as { code?: string }).code ?? e.message)) }));
      if (body !== undefined) r.write(body);
      r.end();
    } catch (e) {
      left({ _tag: 'Unreachable', detail: short(e instanceof Error ? e.message : 'request failed') });
    }
  });

/** The `Http` port over `node:http(s)`. */
export const nodeHttp: Http = { request: (req) => () => httpRequest(req) };
