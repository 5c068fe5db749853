/**
 * A fake Anthropic Messages API for Claude Code: `POST /v1/messages` answers with the next scripted turn, as a
 * server-sent event stream when the request asks for `stream: true` (message_start, content_block_start/delta/stop
 * per text or tool_use block with `input_json_delta` for tool inputs, message_delta with the stop reason,
 * message_stop) or as one JSON message otherwise. Only agent-loop requests (those offering tools) consume the
 * script; side requests (titles, quota probes) get a short text. `POST /v1/messages/count_tokens` answers a small
 * count; anything else is recorded and answered 404.
 */
import type { ServerResponse } from 'node:http';
import { json, sse, startFake, type FakeServer, type Live, type Recorded, type Step, type Turn } from './fake-model.js';

const MODEL = 'claude-fake-1';

let seq = 0;
const id = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36).padStart(4, '0')}`;

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

const blocksOf = (turn: Turn): Block[] => {
  if (turn.kind === 'text') return [{ type: 'text', text: turn.text }];
  const blocks: Block[] = turn.text === undefined ? [] : [{ type: 'text', text: turn.text }];
  for (const c of turn.calls) blocks.push({ type: 'tool_use', id: id('toolu'), name: c.name, input: typeof c.input === 'string' ? { input: c.input } : c.input });
  return blocks;
};

const usage = { input_tokens: 12, output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

/** Stream one message as the Messages API's SSE events. */
const stream = (res: ServerResponse, blocks: Block[], stopReason: string): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const msgId = id('msg');
  sse(res, 'message_start', { type: 'message_start', message: { id: msgId, type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  blocks.forEach((b, index) => {
    if (b.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      const args = JSON.stringify(b.input);
      const cut = Math.floor(args.length / 2); // two fragments, as a real stream splits the JSON arbitrarily
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(0, cut) } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(cut) } });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
};

const hasTools = (body: unknown): boolean => {
  const tools = (body as { tools?: unknown } | null)?.tools;
  return Array.isArray(tools) && tools.length > 0;
};

/** Start the fake Anthropic server on `socket`, replaying `script`. */
export const startFakeAnthropic = (socket: string, script: ReadonlyArray<Step>, live: Live): Promise<FakeServer> =>
  startFake(
    socket,
    script,
    live,
    (req: Recorded, res, next) => {
      if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') {
        json(res, 200, { input_tokens: 12 });
        return true;
      }
      if (req.method === 'POST' && req.path === '/v1/messages') {
        const turn: Turn = req.scripted ? next() : { kind: 'text', text: 'ok' };
        const blocks = blocksOf(turn);
        const stopReason = turn.kind === 'tool' ? 'tool_use' : 'end_turn';
        if ((req.body as { stream?: unknown } | null)?.stream === true) stream(res, blocks, stopReason);
        else json(res, 200, { id: id('msg'), type: 'message', role: 'assistant', model: MODEL, content: blocks, stop_reason: stopReason, stop_sequence: null, usage });
        return true;
      }
      return false;
    },
    (r) => r.method === 'POST' && r.path === '/v1/messages' && hasTools(r.body),
  );

/** The content of every `tool_result` block the client sent back, in order, flattened to text. */
export const toolResults = (requests: ReadonlyArray<Recorded>): Array<{ id: string; text: string; isError: boolean }> => {
  const last = [...requests].reverse().find((r) => r.scripted);
  const messages = ((last?.body as { messages?: unknown[] } | null)?.messages ?? []) as Array<{ role: string; content: unknown }>;
  const out: Array<{ id: string; text: string; isError: boolean }> = [];
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as Array<Record<string, unknown>>) {
      if (b['type'] !== 'tool_result') continue;
      const c = b['content'];
      const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x: { text?: string }) => x.text ?? '').join('\n') : '';
      out.push({ id: String(b['tool_use_id']), text, isError: b['is_error'] === true });
    }
  }
  return out;
};
