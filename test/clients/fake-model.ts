/**
 * The part both fake model servers share: a scripted list of model turns, a request log, and an HTTP server on a
 * Unix socket. The real clients run inside a network namespace with loopback only (test/clients/ns-run.cjs), where
 * a small forwarder listens on 127.0.0.1 and pipes every connection to this socket: a Unix socket is a file, so it
 * crosses the namespace boundary that a TCP port cannot, and the server stays in the test process where the test
 * reads its log directly. No dependency beyond node:http.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';

/** One scripted model turn: tool calls (run in order by the client) or a final text that ends the agent loop. */
export type Turn =
  | { readonly kind: 'tool'; readonly calls: ReadonlyArray<ToolCall>; readonly text?: string }
  | { readonly kind: 'text'; readonly text: string };

/** One tool call: the client's tool name and its input object (Codex freeform tools take `input` as a string). */
export interface ToolCall {
  readonly name: string;
  readonly input: Record<string, unknown> | string;
}

/**
 * A scripted step: a turn, or a function that makes the turn when the client asks for it (after the previous tool
 * call ran), given the live session facts; it may act on the world first (another session claims a lane, …).
 */
export type Step = Turn | ((live: Live) => Turn);

/** What a dynamic step may read: the session id once the client made it known (Claude: chosen; Codex: thread id). */
export interface Live {
  sessionId: string;
}

/** A turn of one tool call, optionally with a text before it. */
export const tool = (name: string, input: Record<string, unknown> | string, text?: string): Turn => ({ kind: 'tool', calls: [{ name, input }], ...(text === undefined ? {} : { text }) });
/** A final text turn (ends the agent loop unless a Stop hook continues it). */
export const say = (text: string): Turn => ({ kind: 'text', text });

/** One recorded HTTP request; `body` is the parsed JSON body (or the raw text when it is not JSON). */
export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** True when this request consumed a scripted turn (a main agent-loop request). */
  readonly scripted: boolean;
}

/** What a concrete server decides per request. `null`: not handled (answered 404 and recorded). */
export type Route = (req: Recorded, res: ServerResponse, next: () => Turn) => boolean;

/** Default final text once the script is exhausted. */
export const SCRIPT_END = 'Done.';

/**
 * A running fake server: `requests` grows as the client talks; `close()` stops it and removes the socket.
 * `remaining()` is how many scripted turns were never asked for.
 */
export interface FakeServer {
  readonly socket: string;
  readonly requests: Recorded[];
  readonly remaining: () => number;
  readonly close: () => Promise<void>;
}

/** Start a server on Unix socket `socket`, answering with `route` and consuming `script` in order. */
export const startFake = async (socket: string, script: ReadonlyArray<Step>, live: Live, route: Route, isScripted: (r: Omit<Recorded, 'scripted'>) => boolean): Promise<FakeServer> => {
  const queue = [...script];
  const requests: Recorded[] = [];
  const next = (): Turn => {
    const step = queue.shift() ?? say(SCRIPT_END);
    return typeof step === 'function' ? step(live) : step;
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const base = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body };
      const rec: Recorded = { ...base, scripted: isScripted(base) };
      requests.push(rec);
      try {
        if (!route(rec, res, next)) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'not_found_error', message: `fake server: no route for ${rec.method} ${rec.path}` } }));
        }
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', message: String(e) } }));
      }
    });
  });
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    requests,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(socket, { force: true });
          resolve();
        });
      }),
  };
};

/** Write one server-sent event. */
export const sse = (res: ServerResponse, event: string, data: unknown): void => {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
};

/** Answer JSON. */
export const json = (res: ServerResponse, status: number, data: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
};
