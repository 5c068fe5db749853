/**
 * A fake OpenAI Responses API for Codex: `POST /v1/responses` answers the next scripted turn as a server-sent event
 * stream (response.created, then per output item response.output_item.added / its deltas / response.output_item.done,
 * then response.completed with the whole output). A tool call to `apply_patch` is sent as a freeform
 * `custom_tool_call` whose `input` is the patch text (the fake model's catalog entry declares apply_patch freeform);
 * every other tool is a `function_call` with JSON `arguments`. Requests that offer no tools (titles, summaries) get a
 * short text without consuming the script. `GET /v1/models` answers an empty list; anything else is recorded and
 * answered 404.
 */
import type { ServerResponse } from 'node:http';
import { json, sse, startFake, type FakeServer, type Live, type Recorded, type Step, type Turn } from './fake-model.js';

export const FAKE_MODEL = 'fake-model';

let seq = 0;
const id = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36).padStart(4, '0')}`;

type Item = Record<string, unknown> & { type: string };

const itemsOf = (turn: Turn): Item[] => {
  const text = turn.text;
  const items: Item[] = [];
  if (text !== undefined) items.push({ type: 'message', id: id('msg'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  if (turn.kind === 'tool') {
    for (const c of turn.calls) {
      if (typeof c.input === 'string') items.push({ type: 'custom_tool_call', id: id('ctc'), call_id: id('call'), name: c.name, input: c.input, status: 'completed' });
      else items.push({ type: 'function_call', id: id('fc'), call_id: id('call'), name: c.name, arguments: JSON.stringify(c.input), status: 'completed' });
    }
  }
  return items;
};

const stream = (res: ServerResponse, items: Item[]): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const respId = id('resp');
  let n = 0;
  const base = { id: respId, object: 'response', created_at: Math.floor(Date.now() / 1000), model: FAKE_MODEL };
  sse(res, 'response.created', { type: 'response.created', sequence_number: n++, response: { ...base, status: 'in_progress', output: [] } });
  items.forEach((item, output_index) => {
    const open = item.type === 'message' ? { ...item, status: 'in_progress', content: [] } : item.type === 'function_call' ? { ...item, status: 'in_progress', arguments: '' } : { ...item, status: 'in_progress', input: '' };
    sse(res, 'response.output_item.added', { type: 'response.output_item.added', sequence_number: n++, output_index, item: open });
    if (item.type === 'message') {
      const text = (item['content'] as Array<{ text: string }>)[0]?.text ?? '';
      const item_id = item['id'];
      sse(res, 'response.content_part.added', { type: 'response.content_part.added', sequence_number: n++, item_id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      sse(res, 'response.output_text.delta', { type: 'response.output_text.delta', sequence_number: n++, item_id, output_index, content_index: 0, delta: text });
      sse(res, 'response.output_text.done', { type: 'response.output_text.done', sequence_number: n++, item_id, output_index, content_index: 0, text });
      sse(res, 'response.content_part.done', { type: 'response.content_part.done', sequence_number: n++, item_id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else if (item.type === 'function_call') {
      sse(res, 'response.function_call_arguments.delta', { type: 'response.function_call_arguments.delta', sequence_number: n++, item_id: item['id'], output_index, delta: item['arguments'] });
      sse(res, 'response.function_call_arguments.done', { type: 'response.function_call_arguments.done', sequence_number: n++, item_id: item['id'], output_index, arguments: item['arguments'] });
    } else {
      sse(res, 'response.custom_tool_call_input.delta', { type: 'response.custom_tool_call_input.delta', sequence_number: n++, item_id: item['id'], output_index, delta: item['input'] });
      sse(res, 'response.custom_tool_call_input.done', { type: 'response.custom_tool_call_input.done', sequence_number: n++, item_id: item['id'], output_index, input: item['input'] });
    }
    sse(res, 'response.output_item.done', { type: 'response.output_item.done', sequence_number: n++, output_index, item });
  });
  sse(res, 'response.completed', {
    type: 'response.completed',
    sequence_number: n++,
    response: { ...base, status: 'completed', output: items, usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 20 } },
  });
  res.end();
};

const hasTools = (body: unknown): boolean => {
  const tools = (body as { tools?: unknown } | null)?.tools;
  return Array.isArray(tools) && tools.length > 0;
};

/** Start the fake Responses server on `socket`, replaying `script`. */
export const startFakeOpenAI = (socket: string, script: ReadonlyArray<Step>, live: Live): Promise<FakeServer> =>
  startFake(
    socket,
    script,
    live,
    (req: Recorded, res, next) => {
      if (req.method === 'POST' && req.path === '/v1/responses') {
        stream(res, itemsOf(req.scripted ? next() : { kind: 'text', text: 'ok' }));
        return true;
      }
      if (req.method === 'GET' && req.path === '/v1/models') {
        json(res, 200, { object: 'list', data: [], models: [] });
        return true;
      }
      return false;
    },
    (r) => r.method === 'POST' && r.path === '/v1/responses' && hasTools(r.body),
  );

/** The output of every tool call the client reported back (function_call_output / custom_tool_call_output), in order. */
export const toolOutputs = (requests: ReadonlyArray<Recorded>): Array<{ id: string; text: string }> => {
  const last = [...requests].reverse().find((r) => r.scripted);
  const input = ((last?.body as { input?: unknown[] } | null)?.input ?? []) as Array<Record<string, unknown>>;
  return input
    .filter((i) => i['type'] === 'function_call_output' || i['type'] === 'custom_tool_call_output')
    .map((i) => {
      const o = i['output'];
      const text = typeof o === 'string' ? o : Array.isArray(o) ? o.map((x: { text?: string }) => x.text ?? '').join('\n') : JSON.stringify(o);
      return { id: String(i['call_id']), text };
    });
};

/** The catalog entry of the fake model (`model_catalog_json`): unified exec shell and a freeform apply_patch. */
export const fakeModelCatalog = (): unknown => ({
  models: [
    {
      slug: FAKE_MODEL,
      display_name: 'Fake model',
      description: 'Scripted model of the Arbiter test suite.',
      default_reasoning_level: 'low',
      supported_reasoning_levels: [{ effort: 'low', description: 'low' }],
      shell_type: 'unified_exec',
      visibility: 'list',
      supported_in_api: true,
      priority: 1,
      additional_speed_tiers: [],
      service_tiers: [],
      availability_nux: null,
      upgrade: null,
      model_messages: null,
      include_skills_usage_instructions: false,
      include_plugin_usage_instructions: false,
      include_apps_usage_instructions: false,
      default_reasoning_summary: 'none',
      support_verbosity: false,
      default_verbosity: null,
      apply_patch_tool_type: 'freeform',
      web_search_tool_type: 'text',
      truncation_policy: { mode: 'tokens', limit: 10000 },
      supports_image_detail_original: false,
      context_window: 200000,
      max_context_window: 200000,
      effective_context_window_percent: 95,
      experimental_supported_tools: [],
      input_modalities: ['text'],
      supports_search_tool: false,
      supports_experimental_context: false,
      use_responses_lite: false,
      supports_reasoning_effort_updates: false,
      node_repl_auto_review_required: false,
      node_repl_disabled: true,
      base_instructions: 'You are a scripted test model.',
    },
  ],
});
