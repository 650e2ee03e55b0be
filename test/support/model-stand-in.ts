import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One content block of a Messages API message, as Claude Code sends it. */
export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | ContentBlock[];
  is_error?: boolean;
}

export interface Message {
  /** Claude Code 2.1.330 also sends `system` messages inside `messages`. */
  role: 'user' | 'assistant' | 'system';
  content: string | ContentBlock[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  input_schema?: unknown;
}

/** A `POST /v1/messages` body, reduced to what a brain reads; `body` has the rest. */
export interface ModelRequest {
  model: string;
  system: string;
  messages: Message[];
  tools: ToolDefinition[];
  stream: boolean;
  body: Record<string, any>;
}

/**
 * The next assistant turn: a text reply, or a tool call. `tool` is a full tool name or a suffix
 * of one (`__list_agents`), matched against the request's tools; an optional `text` goes first.
 */
export type Turn = { text: string } | { tool: string; input?: Record<string, unknown>; text?: string };

/** Chooses the next turn from what Claude Code sent. Called for the main loop's requests only. */
export type Brain = (request: ModelRequest) => Turn | Promise<Turn>;

/**
 * A scripted stand-in for the Anthropic Messages API on loopback, for running the real Claude
 * Code CLI offline (`ANTHROPIC_BASE_URL`). Requests that offer no tools are Claude Code's side
 * requests (session title, topic checks): they get a short harmless text and never reach the
 * brain. Every `/v1/messages` request is kept in `requests`, for assertions.
 */
export class ModelStandIn {
  readonly requests: ModelRequest[] = [];
  brain: Brain;
  private readonly server: Server;

  private constructor(brain: Brain) {
    this.brain = brain;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
        }
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: error.message } }));
      });
    });
  }

  static async start(brain: Brain = () => ({ text: 'OK' })): Promise<ModelStandIn> {
    const standIn = new ModelStandIn(brain);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The requests of the main loop (those offering tools): what the model was actually asked. */
  get turns(): ModelRequest[] {
    return this.requests.filter((request) => request.tools.length > 0);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (path === '/v1/messages/count_tokens' && body) {
      return sendJson(res, { input_tokens: Math.ceil(JSON.stringify(body).length / 4) });
    }
    if (path !== '/v1/messages' || !body) {
      return sendJson(res, { type: 'error', error: { type: 'not_found_error', message: 'not found' } }, 404);
    }
    const request: ModelRequest = {
      model: String(body.model ?? ''),
      system: systemText(body.system),
      messages: body.messages ?? [],
      tools: (body.tools ?? []).filter((tool: ToolDefinition) => typeof tool.name === 'string'),
      stream: body.stream === true,
      body,
    };
    this.requests.push(request);
    const content =
      request.tools.length > 0 ? this.toContent(request, await this.brain(withoutWaits(request))) : text('C3PO test');
    const message = {
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    };
    return request.stream ? sendStream(res, message) : sendJson(res, message);
  }

  private toContent(request: ModelRequest, turn: Turn): ContentBlock[] {
    const reply = turn.text ? text(turn.text) : [];
    if (!('tool' in turn)) {
      return reply;
    }
    const tool = request.tools.find((candidate) => candidate.name === turn.tool || candidate.name.endsWith(turn.tool));
    if (tool) {
      return [...reply, toolUse(tool.name, turn.input ?? {})];
    }
    // A session takes its first prompt before its MCP servers are up, and offers the model
    // WaitForMcpServers instead of their tools, as a real model would call it; the brain then
    // gets the same request again, this exchange left out (withoutWaits).
    const waited = isWait(request.messages.findLast((message) => message.role === 'assistant'));
    if (!waited && request.tools.some((candidate) => candidate.name === WAIT_FOR_MCP)) {
      return [toolUse(WAIT_FOR_MCP, {})];
    }
    // Said where the test can see it (the pane, the transcript), not a silent wrong call.
    return text(`Model stand-in: no tool named or ending in '${turn.tool}' was offered.`);
  }
}

/** Claude Code's tool for waiting on MCP servers still connecting. */
const WAIT_FOR_MCP = 'WaitForMcpServers';

/** Whether `message` is the stand-in's own WaitForMcpServers turn. */
function isWait(message: Message | undefined): boolean {
  return (
    Array.isArray(message?.content) &&
    message.content.some((block) => block.type === 'tool_use' && block.name === WAIT_FOR_MCP)
  );
}

/** The request without the stand-in's own WaitForMcpServers calls and their results. */
function withoutWaits(request: ModelRequest): ModelRequest {
  const waits = new Set(
    request.messages
      .filter((message) => message.role === 'assistant' && Array.isArray(message.content))
      .flatMap((message) => message.content as ContentBlock[])
      .filter((block) => block.type === 'tool_use' && block.name === WAIT_FOR_MCP)
      .map((block) => block.id),
  );
  const messages = request.messages
    .map((message) =>
      typeof message.content === 'string'
        ? message
        : {
            ...message,
            content: message.content.filter(
              (block) => !waits.has(block.id) && !(block.type === 'tool_result' && waits.has(block.tool_use_id)),
            ),
          },
    )
    .filter((message) => typeof message.content === 'string' || message.content.length > 0);
  return { ...request, messages };
}

function text(value: string): ContentBlock[] {
  return [{ type: 'text', text: value }];
}

function toolUse(name: string, input: Record<string, unknown>): ContentBlock {
  return { type: 'tool_use', id: `toolu_${randomUUID().replaceAll('-', '')}`, name, input };
}

/** The text of a message: its text blocks and tool results, one per line. */
export function textOf(message: Message | undefined): string {
  if (!message) {
    return '';
  }
  if (typeof message.content === 'string') {
    return message.content;
  }
  return message.content.map(blockText).join('\n');
}

/**
 * What Claude Code added since the model's last reply: a typed prompt, tool results, a
 * `<channel>` push, hook context. Not just the last message: Claude Code 2.1.330 puts `system`
 * messages (the environment, the date) after the user's.
 */
export function sinceLastReply(request: ModelRequest): Message[] {
  const last = request.messages.findLastIndex((message) => message.role === 'assistant');
  return request.messages.slice(last + 1);
}

/** The text of sinceLastReply(), one block per line. */
export function newText(request: ModelRequest): string {
  return sinceLastReply(request).map(textOf).join('\n');
}

/** The tool results since the model's last reply, with the name of the tool that produced each. */
export function toolResults(request: ModelRequest): { tool: string; text: string; isError: boolean }[] {
  const calls = new Map<string, string>();
  for (const message of request.messages) {
    if (message.role === 'assistant' && Array.isArray(message.content)) {
      message.content
        .filter((block) => block.type === 'tool_use')
        .forEach((block) => calls.set(block.id!, block.name!));
    }
  }
  return sinceLastReply(request)
    .flatMap((message) => (typeof message.content === 'string' ? [] : message.content))
    .filter((block) => block.type === 'tool_result')
    .map((block) => ({ tool: calls.get(block.tool_use_id!) ?? '', text: blockText(block), isError: !!block.is_error }));
}

function blockText(block: ContentBlock): string {
  if (block.type === 'text') {
    return block.text ?? '';
  }
  if (block.type === 'tool_result') {
    return typeof block.content === 'string' ? block.content : (block.content ?? []).map(blockText).join('\n');
  }
  return '';
}

function systemText(system: unknown): string {
  if (typeof system === 'string') {
    return system;
  }
  return Array.isArray(system) ? system.map((block: ContentBlock) => block.text ?? '').join('\n') : '';
}

function sendStream(res: ServerResponse, message: Record<string, any>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: object) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { content, stop_reason, usage } = message;
  event('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  (content as ContentBlock[]).forEach((block, index) => {
    if (block.type === 'tool_use') {
      event('content_block_start', { index, content_block: { ...block, input: {} } });
      event('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    } else {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

function sendJson(res: ServerResponse, body: object, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, any> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
