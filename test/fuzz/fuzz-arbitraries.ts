import fc from 'fast-check';

/** One HTTP exchange the fuzzer sends with fetch. */
export interface HttpCase {
  kind: 'http';
  method: string;
  /** Path and query, already encoded (or deliberately mis-encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Give up reading after this long and count it as fine: a blocked wait the caller walks away from. */
  abortAfterMs?: number;
}

/** Bytes written straight to a socket, for what fetch refuses to send (bad framing, raw header bytes). */
export interface RawCase {
  kind: 'raw';
  bytes: Uint8Array;
}

export type FuzzCase = HttpCase | RawCase;

/** What the fuzzer knows about the coordinator under test: ids worth aiming at, and credentials. */
export interface FuzzTargets {
  /** Agents the fuzzer may call as (never the owners of the pre-fuzz requests, unless keys guard them). */
  callers: string[];
  /** An agent no case sends to, so its waits block until it goes away (with keys on, in `keys`). */
  idle: string;
  /** Agents that own the pre-fuzz requests: always fine as a target, a caller only when keys guard them. */
  owners: string[];
  requestIds: string[];
  conversationIds: string[];
  /**
   * With API keys on: the key of each caller (never an owner's), and the admin token. The admin
   * token may create and revoke keys, but cannot reach the owners' keys by a name the fuzzer
   * would guess, so at worst it narrows later cases to refusals.
   */
  keys?: Record<string, string>;
  adminToken?: string;
}

const TOOL_NAMES = [
  'register_agent',
  'list_agents',
  'send_request',
  'get_pending_requests',
  'get_request',
  'get_request_status',
  'cancel_request',
  'respond_to_request',
  'wait_for_response',
  'wait_for_request',
  'get_conversation',
] as const;
type ToolName = (typeof TOOL_NAMES)[number];

/** Tools that change state come up more often: they reach the most Lua. */
const toolName = fc.oneof(
  { arbitrary: fc.constantFrom(...TOOL_NAMES), weight: 4 },
  { arbitrary: fc.constantFrom<ToolName>('send_request', 'respond_to_request', 'cancel_request'), weight: 2 },
);

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

/** Strings that have broken parsers, key builders and loggers elsewhere. */
const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  '\u200F\u200E',
  '\uFEFF',
  '\uFFFF\uFFFE',
  '\uFFFD',
  '👩‍💻🚀🏳️‍🌈',
  'e\u0301\u0302\u0303\u0304'.repeat(40),
  'Z̷̢̛̜a̸͎͑l̵̟̾g̶̱̕o̴̝̓',
  '𝕏𝔂',
  '\u2028\u2029',
  '\r\n\r\n',
  '\t',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9'.repeat(400),
  '*',
  '?',
  '[a-z]*',
  '{c3po}',
  '{',
  '}:',
  '%',
  '%00',
  '%ZZ',
  '../../etc/passwd',
  '\\',
  '"',
  "'",
  '<script>alert(1)</script>',
  '${process.env}',
  'req-',
  'conv-',
  ' req-1 ',
  'ÿ\u00A0',
  '\u0085',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Up to ~1 MB of one repeated unit, around the message limit and the body limit. */
function hugeString(maxMessageBytes: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(maxMessageBytes - 1, maxMessageBytes, maxMessageBytes + 1, 300_000, 1_048_576),
      fc.constantFrom('x', 'é', '👩‍💻', '\u0000', '\ud800', '"\\', 'e\u0301', '\u202E'),
    )
    .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));
}

/** Odd strings; `maxMessageBytes` 0 leaves out the huge ones (for URLs, which cut them anyway). */
function oddString(maxMessageBytes: number): fc.Arbitrary<string> {
  const huge = maxMessageBytes > 0 ? [{ arbitrary: hugeString(maxMessageBytes), weight: 1 }] : [];
  return fc.oneof(
    { arbitrary: fc.string(), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary' }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme' }), weight: 2 },
    { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 4 },
    {
      arbitrary: fc
        .array(fc.oneof(fc.string(), loneSurrogate, fc.constantFrom(...SPECIAL_STRINGS)), { maxLength: 6 })
        .map((parts) => parts.join('')),
      weight: 3,
    },
    ...huge,
  );
}

/** An object with these entries as own properties, "__proto__" included (a literal would set the prototype). */
function objectFrom(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

const oddKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', 'then', 'length', '$ref'),
);

/** Random JSON (and almost-JSON: NaN and -0 become null and 0) with odd strings and keys. */
function oddJson(maxMessageBytes: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    { arbitrary: oddString(maxMessageBytes), weight: 4 },
    { arbitrary: fc.integer(), weight: 2 },
    { arbitrary: fc.double(), weight: 1 },
    { arbitrary: fc.constantFrom(2 ** 53 + 1, -(2 ** 63), 1e308, 0.1, -0, 3600, 3601), weight: 1 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'odd-json' },
      { arbitrary: leaf, weight: 5 },
      { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 1 },
      { arbitrary: fc.array(fc.tuple(oddKey, tie('value')), { maxLength: 4 }).map(objectFrom), weight: 1 },
    ),
  }));
  return value;
}

/** Either `valid` (mostly) or something odd in its place; `undefined` leaves the key out. */
function usually<T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>, validWeight = 6): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: valid, weight: validWeight },
    { arbitrary: odd, weight: 3 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

/**
 * How often the framing (headers, envelope) is odd. Loose for the JSON-RPC family; tight for
 * tool calls, whose oddness is in the arguments: with every header and envelope field odd 40%
 * of the time, hardly a call would reach a tool.
 */
type Framing = 'loose' | 'tight';
const FRAMING_WEIGHT: Record<Framing, number> = { loose: 6, tight: 1000 };

/** Printable Latin-1: what fetch accepts in a header value (it refuses CR, LF, NUL and anything past U+00FF). */
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

export class FuzzArbitraries {
  private readonly odd: fc.Arbitrary<string>;
  /** Odd strings without the huge ones, for URLs. */
  private readonly oddShort: fc.Arbitrary<string>;
  private readonly json: fc.Arbitrary<unknown>;
  /** Per-route arbitraries, built once: building them for every case cost more than sending it. */
  private readonly perRoute = new Map<string, fc.Arbitrary<[string, string | undefined]>>();

  constructor(
    private readonly targets: FuzzTargets,
    private readonly maxMessageBytes: number,
  ) {
    this.odd = oddString(maxMessageBytes);
    this.oddShort = oddString(0);
    this.json = oddJson(maxMessageBytes);
  }

  // ---- identities -------------------------------------------------------------------------

  /** The X-Agent-ID to call as; undefined sends none. With keys on, owners too, to be refused. */
  private callerId(framing: Framing): fc.Arbitrary<string | undefined> {
    const tight = framing === 'tight';
    const owners = this.targets.keys ? [fc.constantFrom(...this.targets.owners)] : [];
    return fc.oneof(
      { arbitrary: fc.constantFrom(...this.targets.callers), weight: tight ? 200 : 12 },
      ...owners.map((arbitrary) => ({ arbitrary, weight: tight ? 20 : 4 })),
      { arbitrary: fc.stringMatching(/^fz[A-Za-z0-9._-]{0,10}$/), weight: 2 },
      { arbitrary: headerValue, weight: 2 },
      { arbitrary: fc.constantFrom('a'.repeat(65), '-x', '.', 'x y', 'ÿ', 'a,b'), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 1 },
    );
  }

  /** An Authorization header for a call as `agent`: with keys on, its own key is the common case. */
  private authorization(agent: string | undefined, framing: Framing): fc.Arbitrary<string | undefined> {
    const { keys, adminToken } = this.targets;
    const garbage = fc.oneof(
      fc.constant(undefined),
      headerValue,
      headerValue.map((value) => `Bearer ${value}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YTpi', 'Bearer a b', 'Token x'),
    );
    if (!keys) {
      return fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: garbage, weight: 2 });
    }
    const own = agent !== undefined && !this.targets.owners.includes(agent) ? keys[agent] : undefined;
    const others = Object.entries(keys)
      .filter(([holder]) => holder !== agent)
      .map(([, key]) => key);
    const variants: fc.Arbitrary<string | undefined>[] = [garbage];
    if (others.length > 0) {
      // Someone else's key: a pattern mismatch, refused.
      variants.push(fc.constantFrom(...others).map((key) => `Bearer ${key}`));
    }
    if (adminToken) {
      variants.push(fc.constant(`Bearer ${adminToken}`));
    }
    if (own) {
      const mangled = fc.constantFrom(`Bearer ${own} `, `bearer ${own}`, `Bearer ${own.slice(0, -1)}`, own);
      return fc.oneof(
        { arbitrary: fc.constant(`Bearer ${own}`), weight: framing === 'tight' ? 100 : 8 },
        { arbitrary: mangled, weight: 1 },
        { arbitrary: fc.oneof(...variants), weight: 2 },
      );
    }
    return fc.oneof(...variants);
  }

  /** X-Agent-ID and Authorization together, so a caller's key goes with that caller. */
  private identity(framing: Framing = 'loose'): fc.Arbitrary<Record<string, string>> {
    return this.callerId(framing).chain((agent) =>
      this.authorization(agent, framing).map((auth) => compact({ 'X-Agent-ID': agent, Authorization: auth })),
    );
  }

  /**
   * One of `ids`, read when the case is generated: the runner adds the ids the fuzz agents'
   * own calls return, so later cases answer, cancel and follow up on real requests.
   */
  private static liveOneOf(ids: string[]): fc.Arbitrary<string> {
    return fc.nat({ max: 1_000_000 }).map((i) => ids[i % ids.length]);
  }

  private requestId(): fc.Arbitrary<unknown> {
    return usually(
      fc.oneof(
        { arbitrary: FuzzArbitraries.liveOneOf(this.targets.requestIds), weight: 4 },
        { arbitrary: fc.uuid().map((id) => `req-${id}`), weight: 1 },
        { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,100}$/), weight: 1 },
      ),
      this.json,
    );
  }

  private conversationId(): fc.Arbitrary<unknown> {
    return usually(
      fc.oneof(
        { arbitrary: FuzzArbitraries.liveOneOf(this.targets.conversationIds), weight: 4 },
        { arbitrary: fc.uuid().map((id) => `conv-${id}`), weight: 1 },
      ),
      this.json,
    );
  }

  private agentName(): fc.Arbitrary<unknown> {
    return usually(fc.constantFrom(...this.targets.callers, ...this.targets.owners), this.json);
  }

  /** Seconds for a wait: 0 or 1 when valid, so a case blocks a second at most unless the value is left out. */
  private waitTimeout(): fc.Arbitrary<unknown> {
    return usually(fc.constantFrom(0, 1), fc.constantFrom(-1, 3601, 0.5, '1', null, [], {}, 2 ** 53 + 2, Number.NaN));
  }

  // ---- MCP ----------------------------------------------------------------------------------

  private toolArguments(tool: ToolName): fc.Arbitrary<Record<string, unknown>> {
    const text = usually(this.odd, this.json);
    const models: Record<ToolName, Record<string, fc.Arbitrary<unknown>>> = {
      register_agent: {
        description: text,
        capabilities: usually(fc.array(this.odd, { maxLength: 60 }), this.json),
      },
      list_agents: {},
      send_request: {
        target: this.agentName(),
        message: text,
        context: text,
        // Mostly left out: only a new conversation or one the sender is in lets the send through.
        conversation_id: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, this.conversationId()),
        idempotency_key: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, text),
      },
      get_pending_requests: {
        limit: usually(fc.integer({ min: 1, max: 100 }), this.json),
        cursor: usually(fc.stringMatching(/^\d{1,20}$/), this.json),
      },
      get_request: { request_id: this.requestId() },
      get_request_status: { request_id: this.requestId() },
      cancel_request: { request_id: this.requestId() },
      respond_to_request: {
        request_id: this.requestId(),
        response: text,
        status: usually(fc.constantFrom('success', 'error', 'declined'), this.json),
      },
      wait_for_response: { request_id: this.requestId(), timeout: this.waitTimeout() },
      wait_for_request: { timeout: this.waitTimeout() },
      get_conversation: { conversation_id: this.conversationId() },
    };
    const extra = fc.array(fc.tuple(oddKey, this.json), { maxLength: 2 });
    return fc
      .tuple(fc.record(models[tool]), fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, extra))
      .map(([known, more]) => objectFrom([...Object.entries(known), ...more]));
  }

  private modernMeta(framing: Framing): fc.Arbitrary<unknown> {
    const w = FRAMING_WEIGHT[framing];
    const clientInfo = fc.record({
      name: usually(fc.constant('fuzz'), this.json, w),
      version: usually(fc.constant('1'), this.json, w),
    });
    const valid = fc.record({
      'io.modelcontextprotocol/protocolVersion': usually(fc.constant(MODERN), fc.constantFrom(LEGACY, '2099-01-01'), w),
      'io.modelcontextprotocol/clientInfo': usually(clientInfo, this.json, w),
      'io.modelcontextprotocol/clientCapabilities': usually(fc.constant({}), this.json, w),
    });
    return usually(valid, this.json, w);
  }

  private params(method: string, era: 'legacy' | 'modern', framing: Framing): fc.Arbitrary<unknown> {
    const w = FRAMING_WEIGHT[framing];
    const meta = era === 'modern' ? this.modernMeta(framing) : fc.constant(undefined);
    switch (method) {
      case 'initialize':
        return fc.record({
          protocolVersion: usually(fc.constant(LEGACY), fc.constantFrom('2025-06-18', '2025-03-26', MODERN), w),
          capabilities: usually(fc.constant({}), this.json, w),
          clientInfo: usually(fc.constant({ name: 'fuzz', version: '1' }), this.json, w),
          _meta: meta,
        });
      case 'tools/call':
        return toolName.chain((tool) =>
          fc.record({
            name: usually(fc.constant(tool), fc.oneof(fc.constantFrom(...TOOL_NAMES), this.odd), w),
            // The arguments are odd already: the object itself stays an object but in loose framing.
            arguments: usually(this.toolArguments(tool), this.json, w),
            _meta: meta,
          }),
        );
      default:
        return usually(fc.record({ cursor: usually(fc.constant(undefined), this.json, w), _meta: meta }), this.json, w);
    }
  }

  private envelope(
    era: 'legacy' | 'modern',
    methods: fc.Arbitrary<string>,
    framing: Framing,
  ): fc.Arbitrary<Record<string, unknown>> {
    const w = FRAMING_WEIGHT[framing];
    return methods.chain((method) =>
      fc.record({
        jsonrpc: usually(fc.constant('2.0'), this.json, w),
        id: usually(fc.oneof(fc.integer(), fc.string({ maxLength: 20 })), this.json, w),
        method: usually(fc.constant(method), this.odd, w),
        params: usually(this.params(method, era, framing), this.json, w),
      }),
    );
  }

  private mcpHeaders(era: 'legacy' | 'modern', body: unknown, framing: Framing): fc.Arbitrary<Record<string, string>> {
    const w = FRAMING_WEIGHT[framing];
    const first = (Array.isArray(body) ? body[0] : body) as { method?: unknown; params?: { name?: unknown } };
    // Only what fetch can carry in a header: a mismatch with the body is a case of its own.
    const method = isHeaderSafe(first?.method) ? first.method : undefined;
    const name = isHeaderSafe(first?.params?.name) ? first.params.name : undefined;
    const rarely = (odd: fc.Arbitrary<string>) =>
      fc.oneof({ arbitrary: fc.constant(undefined), weight: w }, { arbitrary: odd, weight: 1 });
    return fc
      .record({
        identity: this.identity(framing),
        'Content-Type': usually(
          fc.constant('application/json'),
          fc.oneof(
            fc.constantFrom(
              'application/json; charset=utf-8',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              'application/json; charset=latin1',
              'application/json; charset=bogus',
              'application/vnd.api+json',
            ),
            headerValue,
          ),
          w,
        ),
        Accept: usually(
          fc.constant('application/json, text/event-stream'),
          fc.oneof(fc.constantFrom('application/json', 'text/event-stream', '*/*', '', 'text/html'), headerValue),
          w,
        ),
        'MCP-Protocol-Version': usually(
          fc.constant(era === 'modern' ? MODERN : LEGACY),
          fc.oneof(fc.constantFrom(MODERN, LEGACY, '2025-03-26', '1.0'), headerValue),
          w,
        ),
        'Mcp-Method': era === 'modern' ? usually(fc.constant(method), headerValue, w) : fc.constant(undefined),
        'Mcp-Name': era === 'modern' ? usually(fc.constant(name), headerValue, w) : fc.constant(undefined),
        'Mcp-Session-Id': rarely(headerValue),
        'X-C3PO-Session': rarely(headerValue),
        'X-Request-Id': rarely(headerValue),
        'Content-Encoding': rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus')),
        Origin: rarely(fc.constantFrom('http://localhost', 'null', 'http://evil.example')),
      })
      .map(({ identity, ...rest }) => ({ ...identity, ...compact(rest) }));
  }

  /** A waiting tool may block: let go of it soon and let the coordinator notice the disconnect. */
  private static abortFor(body: unknown): number | undefined {
    const text = JSON.stringify(body) ?? '';
    return /"wait_for_(request|response)"/.test(text) ? 100 : undefined;
  }

  private mcpCase(era: 'legacy' | 'modern', body: fc.Arbitrary<unknown>, framing: Framing): fc.Arbitrary<HttpCase> {
    return body.chain((payload) =>
      this.mcpHeaders(era, payload, framing).map((headers) => ({
        kind: 'http' as const,
        method: 'POST',
        path: '/mcp',
        headers,
        body: JSON.stringify(payload) ?? '',
        abortAfterMs: FuzzArbitraries.abortFor(payload),
      })),
    );
  }

  /** tools/call of each real tool with odd arguments, in both protocol eras. */
  toolCalls(): fc.Arbitrary<HttpCase> {
    return fc
      .constantFrom('legacy' as const, 'modern' as const)
      .chain((era) => this.mcpCase(era, this.envelope(era, fc.constant('tools/call'), 'tight'), 'tight'));
  }

  /**
   * wait_for_request calls, well formed, by an agent nobody sends to, that the caller walks
   * away from after 20-200 ms: each wait must end with its connection (checked after all cases).
   */
  walkAways(): fc.Arbitrary<HttpCase> {
    const idle = this.targets.idle;
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    return fc
      .record({
        era: fc.constantFrom('legacy' as const, 'modern' as const),
        id: fc.integer(),
        timeout: fc.option(fc.integer({ min: 5, max: 3600 }), { nil: undefined }),
        abortAfterMs: fc.integer({ min: 20, max: 200 }),
      })
      .map(({ era, id, timeout, abortAfterMs }) => {
        const params = { name: 'wait_for_request', arguments: timeout === undefined ? {} : { timeout } };
        return {
          kind: 'http' as const,
          method: 'POST',
          path: '/mcp',
          headers: compact({
            'X-Agent-ID': idle,
            Authorization: this.targets.keys?.[idle] && `Bearer ${this.targets.keys[idle]}`,
            'Content-Type': 'application/json',
            Accept: 'application/json, text/event-stream',
            'MCP-Protocol-Version': era === 'modern' ? MODERN : LEGACY,
            'Mcp-Method': era === 'modern' ? 'tools/call' : undefined,
            'Mcp-Name': era === 'modern' ? 'wait_for_request' : undefined,
          }),
          body: JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: era === 'modern' ? { ...params, _meta: meta } : params,
          }),
          abortAfterMs,
        };
      });
  }

  /** Any method (the real ones and random), single or batched, with random envelope fields. */
  jsonRpc(): fc.Arbitrary<HttpCase> {
    const methods = fc.oneof(
      { arbitrary: fc.constantFrom('initialize', 'server/discover', 'tools/list', 'tools/call', 'ping'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          'notifications/initialized',
          'notifications/cancelled',
          'resources/list',
          'prompts/list',
          'logging/setLevel',
          'completion/complete',
          'tasks/get',
        ),
        weight: 2,
      },
      { arbitrary: this.odd, weight: 1 },
    );
    return fc.constantFrom('legacy' as const, 'modern' as const).chain((era) => {
      const one = this.envelope(era, methods, 'loose');
      const body = fc.oneof(
        { arbitrary: one, weight: 6 },
        { arbitrary: fc.array(one, { maxLength: 5 }), weight: 2 },
        { arbitrary: this.json, weight: 2 },
      );
      return this.mcpCase(era, body, 'loose');
    });
  }

  /** Bodies that are not JSON, or JSON at the edges: truncated, deep, wide, mis-encoded. */
  malformedBodies(): fc.Arbitrary<HttpCase> {
    const valid = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'send_request', arguments: { target: this.targets.owners[0], message: 'hi' } },
    });
    const wrap = (inner: string) =>
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_request","arguments":{"target":${inner},"message":"m"}}}`;
    const depth = fc.constantFrom(10, 1000, 50_000);
    const text = fc.oneof(
      fc.nat({ max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
      depth.map((n) => '['.repeat(n) + ']'.repeat(n)),
      depth.map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
      depth.map((n) => wrap('['.repeat(n) + ']'.repeat(n))),
      depth.map((n) => '['.repeat(n)),
      fc
        .constantFrom(1000, 20_000)
        .map(
          (n) => `[${Array.from({ length: n }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}`).join(',')}]`,
        ),
      fc
        .constantFrom(50_000)
        .map((n) => `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[${'1,'.repeat(n)}1]}`),
      fc.constantFrom(
        '',
        'null',
        '1',
        '"x"',
        'true',
        '[]',
        '{}',
        '\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}',
        '{"jsonrpc":"2.0","id":1,"id":2,"method":"ping","method":"tools/list"}',
        '{"jsonrpc":"2.0","id":1,"method":"ping",}',
        "{'jsonrpc':'2.0'}",
        '{"jsonrpc":"2.0","id":1e999,"method":"ping"}',
        '{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}',
        '{"__proto__":{"jsonrpc":"2.0"},"id":1,"method":"ping"}',
        '{"constructor":{"prototype":{"polluted":true}},"jsonrpc":"2.0","id":1,"method":"ping"}',
      ),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 });
    const path = fc.oneof(
      { arbitrary: fc.constant('/mcp'), weight: 3 },
      {
        arbitrary: fc.constantFrom(
          '/api/agents/register',
          '/api/agents/leave',
          `/api/dead-letters/${this.targets.requestIds[0]}/requeue`,
          '/api/requests',
          '/api/admin/keys',
        ),
        weight: 1,
      },
    );
    return fc
      .tuple(
        fc.oneof({ arbitrary: text, weight: 5 }, { arbitrary: bytes, weight: 1 }),
        fc.constantFrom('legacy' as const, 'modern' as const),
        path,
      )
      .chain(([body, era, path]) =>
        this.mcpHeaders(era, undefined, 'tight').map((headers) => ({
          kind: 'http' as const,
          method: 'POST',
          path,
          headers: { ...headers, 'Content-Type': 'application/json' },
          body,
        })),
      );
  }

  // ---- REST ---------------------------------------------------------------------------------

  private pathSegment(): fc.Arbitrary<string> {
    return fc.oneof(
      { arbitrary: fc.constantFrom(...this.targets.requestIds), weight: 3 },
      { arbitrary: fc.uuid().map((id) => `req-${id}`), weight: 1 },
      { arbitrary: this.oddShort.map((value) => encodeURIComponent(value.toWellFormed())), weight: 3 },
      { arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2F..%2F', '%C0%AE', ';x=1', '*'), weight: 1 },
    );
  }

  /** A query string for `route`: mostly the parameters it takes, so validation lets some through. */
  private query(route: string): fc.Arbitrary<string> {
    const odd = fc.oneof(
      fc.constantFrom('', 'abc', '1.5', '1e3', '0x10', '99999999999999999999', '-0', 'NaN', '%', '%ZZ'),
      this.oddShort.map((text) => encodeURIComponent(text.toWellFormed())),
    );
    const number = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('9007199254740991'));
    // Each parameter with values near what it takes, half the time: edges are found there.
    const near: Record<string, fc.Arbitrary<string>> = {
      limit: number,
      offset: number,
      cursor: fc.oneof(number, fc.stringMatching(/^\d{1,25}$/)),
      before: fc.oneof(
        fc.tuple(fc.nat(), fc.nat()).map(([ms, seq]) => `${ms}-${seq}`),
        fc.constantFrom('0-0', '0-1', '999999999999999-9999999999', '1-', '-1'),
      ),
      agent: fc.constantFrom(...this.targets.callers, ...this.targets.owners, 'x'.repeat(65)),
      action: fc.constantFrom('key', 'key.create', 'refused', 'send', 'cancel', 'a.'),
    };
    const taken = route.startsWith('/api/admin/audit')
      ? ['limit', 'before', 'agent', 'action']
      : route.startsWith('/api/pending') || route.startsWith('/api/dead-letters')
        ? ['limit', 'offset']
        : Object.keys(near);
    const pair = fc
      .oneof(
        { arbitrary: fc.constantFrom(...taken), weight: 8 },
        { arbitrary: fc.constantFrom(...Object.keys(near)), weight: 1 },
        { arbitrary: fc.constantFrom('limit[]', 'limit[a]', '__proto__', 'constructor', 'state'), weight: 1 },
      )
      .chain((name) => fc.tuple(fc.constant(name), Object.hasOwn(near, name) ? fc.oneof(near[name], odd) : odd));
    return fc
      .array(pair, { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
  }

  /** A body for `route`: mostly its own DTO's fields (odd values, now and then a stray key), or junk. */
  private restBody(route: string): fc.Arbitrary<string | undefined> {
    const text = usually(this.odd, this.json);
    const sessionId = usually(fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/), this.json);
    const dtos: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
      '/api/agents/register': {
        description: text,
        capabilities: usually(fc.array(this.odd, { maxLength: 60 }), this.json),
        session_id: sessionId,
      },
      '/api/agents/leave': { session_id: sessionId },
      // A hook's stdin: the fields the coordinator reads, and some it ignores.
      '/api/hooks/session-start': { session_id: sessionId, source: text },
      '/api/hooks/stop': {
        session_id: sessionId,
        stop_hook_active: usually(fc.boolean(), this.json),
        last_assistant_message: text,
      },
      '/api/hooks/post-tool-use': { session_id: sessionId, tool_name: text, tool_response: this.json },
      '/api/hooks/session-end': { session_id: sessionId, reason: text },
      '/api/requests': {
        target: usually(fc.constantFrom(...this.targets.callers, ...this.targets.owners), this.json),
        message: text,
        context: fc.oneof(fc.constant(undefined), text),
        conversation_id: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, this.conversationId()),
        idempotency_key: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, text),
      },
      '/api/admin/keys': {
        name: usually(fc.stringMatching(/^fz-key-[a-z0-9]{1,8}$/), this.odd),
        agent: usually(
          fc.constantFrom('fz-*', '*', 'fz-?', 'alice', '**'),
          fc.constantFrom('[a-', '', 'a b', '*'.repeat(65)),
        ),
      },
    };
    const model = Object.hasOwn(dtos, route) ? dtos[route] : dtos['/api/agents/register'];
    const dto = fc
      .tuple(
        fc.record(model),
        fc.oneof({ arbitrary: fc.constant([]), weight: 6 }, fc.array(fc.tuple(oddKey, this.json), { maxLength: 2 })),
      )
      .map(([known, more]) => JSON.stringify(objectFrom([...Object.entries(known), ...more])));
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 2 },
      { arbitrary: dto, weight: 6 },
      { arbitrary: this.json.map((value) => JSON.stringify(value) ?? ''), weight: 1 },
      { arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"a":', '\uFEFF{}', '{"session_id":1e999}'), weight: 1 },
    );
  }

  /** Every REST route (today's and the coming ones) and random ones, with odd ids, queries and bodies. */
  rest(): fc.Arbitrary<HttpCase> {
    // Agent routes first: they hold the logic; the rest is routing and guards.
    const routes: fc.Arbitrary<string> = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          '/api/agents',
          '/api/agents/register',
          '/api/agents/leave',
          '/api/pending',
          '/api/requests',
          '/api/hooks/session-start',
          '/api/hooks/stop',
          '/api/hooks/post-tool-use',
          '/api/hooks/session-end',
        ),
        weight: 6,
      },
      { arbitrary: fc.constantFrom('/api/dead-letters', '/api/admin/keys', '/api/admin/audit'), weight: 3 },
      {
        arbitrary: fc.constantFrom(
          '/api/health',
          '/api/health/live',
          '/api/health/ready',
          '/metrics',
          '/mcp',
          '/',
          '/api',
        ),
        weight: 2,
      },
      {
        arbitrary: this.pathSegment().chain((id) =>
          fc.constantFrom(
            `/api/dead-letters/${id}/requeue`,
            `/api/requests/${id}`,
            `/api/requests/${id}/cancel`,
            `/api/admin/keys/${id}`,
            `/api/agents/${id}`,
            `/api/${id}`,
          ),
        ),
        weight: 3,
      },
    );
    const method = fc.oneof(
      { arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 },
      { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), weight: 1 },
    );
    return fc
      .record({
        method,
        route: routes.chain((route) => this.queryAndBody(route).map(([query, body]) => ({ route, query, body }))),
        identity: fc.oneof(this.identity('tight'), this.identity('loose')),
        operator: this.operatorAuthorization(),

        contentType: usually(
          fc.constant('application/json'),
          fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=bogus'),
        ),
      })
      .map(({ method, route: { route, query, body }, identity, operator, contentType }) => {
        const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        // Operator routes mostly with the operator's token, or they would only ever test the guard.
        const operatorRoute = /^\/api\/(?:admin|dead-letters)/.test(route);
        return {
          kind: 'http' as const,
          method,
          path: route + query,
          headers: compact({
            ...identity,
            ...(operatorRoute && operator !== null && { Authorization: operator }),
            'Content-Type': hasBody && typeof contentType === 'string' ? contentType : undefined,
            // A blocking call on /mcp (GET opens a stream) must not hold the case.
          }),
          body: hasBody ? body : undefined,
          abortAfterMs: route === '/mcp' ? 500 : undefined,
        };
      });
  }

  private queryAndBody(route: string): fc.Arbitrary<[string, string | undefined]> {
    let arbitrary = this.perRoute.get(route);
    if (!arbitrary) {
      arbitrary = fc.tuple(this.query(route), this.restBody(route));
      this.perRoute.set(route, arbitrary);
    }
    return arbitrary;
  }

  /** With keys on, the admin token most of the time; null leaves the agent identity's header. */
  private operatorAuthorization(): fc.Arbitrary<string | null> {
    const { adminToken } = this.targets;
    if (!adminToken) {
      return fc.constant(null);
    }
    return fc.oneof(
      { arbitrary: fc.constant(`Bearer ${adminToken}`), weight: 6 },
      { arbitrary: fc.constantFrom(`Bearer ${adminToken}x`, `Bearer ${adminToken.slice(1)}`, adminToken), weight: 1 },
      { arbitrary: fc.constant(null), weight: 2 },
    );
  }

  // ---- raw HTTP -----------------------------------------------------------------------------

  /** Requests fetch will not write: raw header bytes, duplicate headers, broken framing. */
  raw(): fc.Arbitrary<RawCase> {
    const headerBytes = fc.oneof(
      headerValue,
      fc.string({ unit: 'binary', maxLength: 40 }).map((text) => text.replace(/[\r\n]/g, '')),
      fc.constantFrom('\u0000', 'a\u0000b', '\u00ff\u00fe', 'é', '👩‍💻'),
    );
    const requestLine = fc.constantFrom(
      'POST /mcp HTTP/1.1',
      'POST /mcp HTTP/1.0',
      'GET /api/agents HTTP/1.1',
      'POST /api/agents/register HTTP/1.1',
      'GET /api/pending?limit=5 HTTP/1.1',
      'POST http://127.0.0.1/mcp HTTP/1.1',
      'POST /mcp?x=%ZZ HTTP/1.1',
      'BREW /mcp HTTP/1.1',
      'POST /mcp HTTP/2.0',
      'POST  /mcp HTTP/1.1',
      'POST /mcp',
    );
    const body = fc.oneof(
      fc.constant('{"jsonrpc":"2.0","id":1,"method":"tools/list"}'),
      fc.constant('{"description":"x"}'),
      fc.string({ maxLength: 100 }),
    );
    const framing = fc.constantFrom('length', 'short-length', 'bad-length', 'chunked', 'bad-chunked', 'both', 'none');
    return fc
      .record({
        requestLine,
        agent: fc.oneof(fc.constantFrom(...this.targets.callers), headerBytes),
        secondAgent: fc.option(headerBytes, { nil: undefined }),
        auth: fc.option(headerBytes, { nil: undefined }),
        extra: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), headerBytes), { maxLength: 3 }),
        body,
        framing,
      })
      .map(({ requestLine, agent, secondAgent, auth, extra, body, framing }) => {
        const bodyBytes = Buffer.from(body);
        const lines = [requestLine, 'Host: 127.0.0.1', `X-Agent-ID: ${agent}`];
        if (secondAgent !== undefined) {
          lines.push(`X-Agent-ID: ${secondAgent}`);
        }
        if (auth !== undefined) {
          lines.push(`Authorization: ${auth}`);
        }
        lines.push('Content-Type: application/json', 'Accept: application/json, text/event-stream');
        lines.push(...extra.map(([name, value]) => `${name}: ${value}`));
        let payload: Buffer = bodyBytes;
        switch (framing) {
          case 'length':
            lines.push(`Content-Length: ${bodyBytes.length}`);
            break;
          case 'short-length':
            lines.push(`Content-Length: ${Math.max(0, bodyBytes.length - 3)}`);
            break;
          case 'bad-length':
            lines.push('Content-Length: -1', 'Content-Length: 12abc');
            break;
          case 'chunked':
            lines.push('Transfer-Encoding: chunked');
            payload = Buffer.concat([
              Buffer.from(`${bodyBytes.length.toString(16)}\r\n`),
              bodyBytes,
              Buffer.from('\r\n0\r\n\r\n'),
            ]);
            break;
          case 'bad-chunked':
            lines.push('Transfer-Encoding: chunked');
            payload = Buffer.concat([Buffer.from('zz\r\n'), bodyBytes, Buffer.from('\r\n')]);
            break;
          case 'both':
            lines.push('Transfer-Encoding: chunked', `Content-Length: ${bodyBytes.length}`);
            break;
        }
        lines.push('Connection: close');
        // UTF-8: header values arrive as the bytes a careless client would send.
        const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
        return { kind: 'raw' as const, bytes: Buffer.concat([head, payload]) };
      });
  }
}

function isHeaderSafe(value: unknown): value is string {
  return typeof value === 'string' && /^[\x20-\x7e\x80-\xff]{1,200}$/.test(value);
}

/** The object without its undefined values: those are the headers a case leaves out. */
function compact(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => typeof value === 'string')) as Record<
    string,
    string
  >;
}
