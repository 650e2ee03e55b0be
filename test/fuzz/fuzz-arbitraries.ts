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
  /** Task boards worth naming (the pre-fuzz one among them); no case names `idle` as a board. */
  boards: string[];
  /** Ids of tasks and messages (the pre-fuzz ones, then those the fuzz agents make). */
  taskIds: string[];
  messageIds: string[];
  topics: string[];
  /** Paths an owner holds an exclusive reservation on: a fuzz agent's reservation of them is refused. */
  reservedPaths: string[];
  /**
   * With API keys on: the key of each caller (never an owner's), and the admin token. The admin
   * token may create and revoke keys, but cannot reach the owners' keys by a name the fuzzer
   * would guess, so at worst it narrows later cases to refusals.
   */
  keys?: Record<string, string>;
  adminToken?: string;
}

const REQUEST_TOOL_NAMES = [
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

/** The tools of issue 12: shared team state that every agent may read and some may change. */
const TEAM_TOOL_NAMES = [
  // The task board
  'set_plan',
  'get_board',
  'create_task',
  'claim_task',
  'complete_task',
  'fail_task',
  'release_task',
  'update_task',
  'list_tasks',
  'wait_for_task',
  // Messages and topics
  'publish',
  'subscribe',
  'unsubscribe',
  'check_messages',
  'ack_message',
  'get_timeline',
  // Findings and file reservations
  'add_finding',
  'search_findings',
  'reserve_files',
  'release_files',
  'list_reservations',
] as const;
type RequestToolName = (typeof REQUEST_TOOL_NAMES)[number];
type TeamToolName = (typeof TEAM_TOOL_NAMES)[number];

function isTeamTool(tool: string): tool is TeamToolName {
  return (TEAM_TOOL_NAMES as readonly string[]).includes(tool);
}
const TOOL_NAMES = [...REQUEST_TOOL_NAMES, ...TEAM_TOOL_NAMES];
type ToolName = (typeof TOOL_NAMES)[number];

/** Tools that change state come up more often: they reach the most Lua. */
const toolName = fc.oneof(
  { arbitrary: fc.constantFrom(...TOOL_NAMES), weight: 4 },
  {
    arbitrary: fc.constantFrom<ToolName>(
      'send_request',
      'respond_to_request',
      'cancel_request',
      'create_task',
      'claim_task',
      'complete_task',
      'fail_task',
      'update_task',
      'publish',
      'ack_message',
      'reserve_files',
      'release_files',
    ),
    weight: 3,
  },
);

/** The tools that block until something happens or their timeout ends. */
const WAITING_TOOLS = /"wait_for_(?:request|response|task)"/;

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

/** Board and topic names: a few the coordinator takes, most it must refuse without a fuss. */
const ODD_NAMES = [
  'Default',
  'a:b',
  'a'.repeat(65),
  '-x',
  '.x',
  '.',
  '..',
  '../default',
  'default ',
  ' default',
  'a/b',
  'a\\b',
  'a\u0000b',
  'défault',
  '*',
  'a b',
  '{pre-fuzz}',
  'board:x:tasks',
];

/** Paths and globs: inside the repository, out of it (`..`, absolute, drive letters), and malformed. */
const PATH_SAMPLES = [
  'src/**',
  'src/*.ts',
  'src/db/schema.ts',
  'src/db/migrations/001.sql',
  'docs/?.md',
  'docs/schema.md',
  '**',
  '*',
  '**/*',
  'src/**/**/*.ts',
  'src//db/./x.ts',
  'src/db/',
  './src',
  '../etc/passwd',
  'src/../../secret',
  'src/**/../x',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  'src\\db\\schema.ts',
  'src/db/\u0000x',
  'a\u0000b',
  '',
  ' ',
  '.',
  '..',
  '[a-z]*.ts',
  '{a,b}.ts',
  ' src/x.ts ',
  '~/x',
  '.git/config',
  'a'.repeat(1001),
  'é/😀.ts',
  '\u202Eexe.txt',
  'src/\r\nx',
];

const TASK_STATUS_VALUES = ['available', 'claimed', 'done', 'failed'];

// Built once: an arbitrary from a regular expression takes some 10 ms to build.
/** Names the board and topic patterns take. */
const NAME_LIKE = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/);
const MESSAGE_TYPE_LIKE = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/);
const PATH_LIKE = fc.stringMatching(/^[a-z]{1,8}(\/(?:[a-z]{1,8}|\*|\*\*|\?)){0,4}(\.[a-z]{1,3})?$/);

/** A REST route: its path as the router declares it (`template`), the path sent, and the methods it answers. */
interface RestRoute {
  template: string;
  path: string;
  methods?: string[];
}

/**
 * The body of each team route that takes one: its tool, then the arguments the path (or the
 * route) names instead; '' none, `check` the pre-commit hook's paths.
 */
const TEAM_ROUTE_BODIES: Record<string, [TeamToolName | '' | 'check', ...string[]]> = {
  'PUT /api/boards/:board/plan': ['set_plan', 'board'],
  'POST /api/tasks': ['create_task'],
  'POST /api/tasks/claim': ['claim_task'],
  'PATCH /api/tasks/:task_id': ['update_task', 'task_id'],
  'POST /api/tasks/:task_id/complete': ['complete_task', 'task_id'],
  'POST /api/tasks/:task_id/fail': ['fail_task', 'task_id'],
  'POST /api/tasks/:task_id/release': [''],
  'POST /api/messages': ['publish'],
  'POST /api/messages/:id/ack': ['ack_message', 'id'],
  'POST /api/findings': ['add_finding'],
  'POST /api/reservations': ['reserve_files'],
  'DELETE /api/reservations': ['release_files'],
  'POST /api/reservations/check': ['check'],
};

/** The query parameters each team route takes (the DTOs'); other routes' are picked in query(). */
const ROUTE_QUERIES: Record<string, string[]> = {
  '/api/boards/:board': ['limit', 'cursor'],
  '/api/tasks': ['board', 'status', 'assignee', 'limit', 'cursor'],
  '/api/messages': ['from', 'type', 'topic', 'since', 'unacked_only', 'limit', 'cursor'],
  '/api/timeline': ['since', 'type', 'from', 'limit', 'cursor'],
  '/api/findings': ['query', 'tags', 'limit'],
  '/api/reservations': ['agent', 'path', 'limit', 'cursor'],
};

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

/** Mostly left out; when given, as `given` makes it (valid or odd). */
function sometimes(given: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: given, weight: 1 });
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
  private readonly perTool = new Map<ToolName, fc.Arbitrary<Record<string, unknown>>>();
  /** The team tools' argument models, with each argument odd a third of the time, and rarely. */
  private teamModels?: Record<'loose' | 'tight', Record<TeamToolName, Record<string, fc.Arbitrary<unknown>>>>;
  private validWeight = 6;

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
    return this.usually(fc.constantFrom(...this.targets.callers, ...this.targets.owners), this.json);
  }

  /** Seconds for a wait: 0 or 1 when valid, so a case blocks a second at most unless the value is left out. */
  private waitTimeout(): fc.Arbitrary<unknown> {
    return usually(fc.constantFrom(0, 1), fc.constantFrom(-1, 3601, 0.5, '1', null, [], {}, 2 ** 53 + 2, Number.NaN));
  }

  /**
   * `usually` with the valid weight of the arguments being built: the team tools take up to nine
   * arguments, and with each odd a third of the time hardly a call would get past their schemas.
   */
  private usually<T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    return usually(valid, odd, this.validWeight);
  }

  /** Builds with `weight` as the valid weight of every this.usually() in `build`. */
  private withValidWeight<T>(weight: number, build: () => T): T {
    const before = this.validWeight;
    this.validWeight = weight;
    try {
      return build();
    } finally {
      this.validWeight = before;
    }
  }

  /** Realistic text (`samples`) mixed with odd strings, now and then not a string at all. */
  private prose(...samples: string[]): fc.Arbitrary<unknown> {
    return this.usually(
      fc.oneof({ arbitrary: fc.constantFrom(...samples), weight: 3 }, { arbitrary: this.odd, weight: 2 }),
      this.json,
    );
  }

  /** A whole number in `min`-`max` mostly; else just out of range, a fraction, huge, or not a number. */
  private whole(min: number, max: number): fc.Arbitrary<unknown> {
    return this.usually(
      fc.integer({ min, max }),
      fc.constantFrom(
        min - 1,
        max + 1,
        -1,
        1.5,
        min + 0.5,
        2 ** 53 + 1,
        -(2 ** 63),
        1e308,
        String(min),
        null,
        true,
        [],
        {},
      ),
    );
  }

  private boardName(): fc.Arbitrary<unknown> {
    return this.usually(
      fc.oneof(
        { arbitrary: fc.constantFrom(...this.targets.boards), weight: 8 },
        // New boards, until C3PO_MAX_BOARDS refuses more.
        { arbitrary: NAME_LIKE, weight: 1 },
        { arbitrary: fc.constantFrom(...ODD_NAMES), weight: 2 },
      ),
      this.json,
    );
  }

  /** Ids of the form `<prefix>-<n>`: live ones mostly, near ones, and malformed ones. */
  private static sequenceId(prefix: string, live: string[], max: number): fc.Arbitrary<string> {
    return fc.oneof(
      { arbitrary: FuzzArbitraries.liveOneOf(live), weight: 5 },
      { arbitrary: fc.integer({ min: 0, max }).map((n) => `${prefix}-${n}`), weight: 2 },
      {
        arbitrary: fc.constantFrom(
          `${prefix}-`,
          `${prefix}-01`,
          `${prefix}--1`,
          `${prefix}-1.5`,
          `${prefix}-1e3`,
          `${prefix.toUpperCase()}-1`,
          ` ${prefix}-1`,
          `${prefix}-1 `,
          `${prefix}-1\u0000`,
          `${prefix}-${'9'.repeat(12)}`,
          `${prefix}-${'9'.repeat(16)}`,
          `${prefix}-${2 ** 53}`,
          'req-1',
          '../task-1',
        ),
        weight: 1,
      },
    );
  }

  private taskId(): fc.Arbitrary<unknown> {
    return this.usually(FuzzArbitraries.sequenceId('task', this.targets.taskIds, 400), this.json);
  }

  /** A depends_on list: a few task ids (the task itself now and then), or too many, or not ids. */
  private taskIds(): fc.Arbitrary<unknown> {
    const id = fc.oneof(FuzzArbitraries.sequenceId('task', this.targets.taskIds, 400), this.oddShort);
    return this.usually(
      fc.array(id, { maxLength: 4 }),
      fc.oneof(
        fc.constant(Array.from({ length: 101 }, (_, i) => `task-${i + 1}`)),
        fc.array(this.json, { minLength: 1, maxLength: 3 }),
        this.json,
      ),
    );
  }

  private messageId(): fc.Arbitrary<unknown> {
    return this.usually(FuzzArbitraries.sequenceId('msg', this.targets.messageIds, 3000), this.json);
  }

  private topic(): fc.Arbitrary<unknown> {
    return this.usually(
      fc.oneof(
        { arbitrary: fc.constantFrom(...this.targets.topics), weight: 6 },
        { arbitrary: NAME_LIKE, weight: 1 },
        { arbitrary: fc.constantFrom(...ODD_NAMES), weight: 2 },
      ),
      this.json,
    );
  }

  private messageType(): fc.Arbitrary<unknown> {
    return this.usually(
      fc.oneof(
        { arbitrary: fc.constantFrom('GENERAL', 'READY_FOR_REVIEW', 'BLOCKED', 'ACK', 'review.done'), weight: 4 },
        { arbitrary: MESSAGE_TYPE_LIKE, weight: 1 },
        { arbitrary: fc.constantFrom('', '1ABC', 'a b', 'A'.repeat(65), 'ÄRGER', 'A:B', '_x'), weight: 2 },
      ),
      this.json,
    );
  }

  /** An ISO time (the only form `since` takes), or one that is not quite. */
  private since(): fc.Arbitrary<unknown> {
    return this.usually(
      fc.oneof(
        fc
          .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
          .map((date) => date.toISOString()),
        fc.constantFrom(
          '2026-02-30T00:00:00Z',
          '2026-01-01',
          '2026-01-01T25:00:00Z',
          '2026-01-01T00:00:00+99:99',
          '+275760-09-13T00:00:00.000Z',
          '-271821-04-20T00:00:00.000Z',
          '0000-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999999999Z',
          'yesterday',
          '0',
        ),
      ),
      this.json,
    );
  }

  private pageCursor(): fc.Arbitrary<unknown> {
    return this.usually(fc.oneof(fc.stringMatching(/^\d{1,17}$/), fc.constantFrom('0', '-1', '1.5', '')), this.json);
  }

  /** list_reservations' cursors are base64url: of a real-looking position, or of any bytes. */
  private reservationCursor(): fc.Arbitrary<unknown> {
    const encode = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
    return this.usually(
      fc.oneof(
        fc.constantFrom(...this.targets.owners, ...this.targets.callers).map((agent) => encode(`${agent}\nsrc/**`)),
        fc.uint8Array({ maxLength: 40 }).map(encode),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.constantFrom('A'.repeat(701), '=', '%'),
      ),
      this.json,
    );
  }

  private path(): fc.Arbitrary<string> {
    return fc.oneof(
      { arbitrary: fc.constantFrom(...PATH_SAMPLES, ...this.targets.reservedPaths), weight: 4 },
      { arbitrary: PATH_LIKE, weight: 2 },
      { arbitrary: this.oddShort, weight: 1 },
    );
  }

  /** A list of paths: a few, or more than a call may name (`tooMany`), or not a list of strings. */
  private paths(tooMany: number): fc.Arbitrary<unknown> {
    return this.usually(
      fc.array(this.path(), { minLength: 1, maxLength: 5 }),
      fc.oneof(
        fc.constant([]),
        fc.constant(Array.from({ length: tooMany }, (_, i) => `src/f${i}.ts`)),
        fc.array(this.json, { minLength: 1, maxLength: 3 }),
        this.json,
      ),
    );
  }

  private tags(): fc.Arbitrary<unknown> {
    const tag = fc.oneof(
      { arbitrary: fc.constantFrom('schema', 'perf', 'bug', 'db/orders', 'v1.2', 'é', 'a:b'), weight: 4 },
      { arbitrary: fc.constantFrom('', ' x', '-x', 'a b', 'a,b', 'x'.repeat(65)), weight: 1 },
      { arbitrary: this.oddShort, weight: 1 },
    );
    return this.usually(
      fc.array(tag, { maxLength: 4 }),
      fc.oneof(fc.constant(Array.from({ length: 21 }, (_, i) => `t${i}`)), this.json),
    );
  }

  private boolean(): fc.Arbitrary<unknown> {
    return this.usually(fc.boolean(), fc.constantFrom('true', 0, 1, null, [], {}));
  }

  // ---- MCP ----------------------------------------------------------------------------------

  /** Each tool's arguments, built once: building all 32 models for every case cost more than sending it. */
  private toolArguments(tool: ToolName): fc.Arbitrary<Record<string, unknown>> {
    let arbitrary = this.perTool.get(tool);
    if (!arbitrary) {
      arbitrary = this.buildToolArguments(tool);
      this.perTool.set(tool, arbitrary);
    }
    return arbitrary;
  }

  private buildToolArguments(tool: ToolName): fc.Arbitrary<Record<string, unknown>> {
    const text = usually(this.odd, this.json);
    const models: Record<RequestToolName, Record<string, fc.Arbitrary<unknown>>> = {
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
    const known = isTeamTool(tool)
      ? fc.oneof(fc.record(this.teamToolModels('tight')[tool]), fc.record(this.teamToolModels('loose')[tool]))
      : fc.record(models[tool]);
    const extra = fc.array(fc.tuple(oddKey, this.json), { maxLength: 2 });
    return fc
      .tuple(known, fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, extra))
      .map(([known, more]) => objectFrom([...Object.entries(known), ...more]));
  }

  /**
   * The arguments of the task board, message, finding and reservation tools (built once):
   * `tight` has each argument odd 3 times in 40 and left out 1 in 40, so that most calls get
   * past the schemas to the services and their scripts; `loose` as the request tools' models.
   */
  private teamToolModels(framing: Framing): Record<TeamToolName, Record<string, fc.Arbitrary<unknown>>> {
    this.teamModels ??= {
      loose: this.buildTeamToolModels(usually(this.odd, this.json)),
      tight: this.withValidWeight(36, () => this.buildTeamToolModels(this.usually(this.odd, this.json))),
    };
    return this.teamModels[framing];
  }

  private buildTeamToolModels(
    text: fc.Arbitrary<unknown>,
  ): Record<TeamToolName, Record<string, fc.Arbitrary<unknown>>> {
    const whole = (min: number, max: number) => this.whole(min, max);
    const board = this.boardName();
    const recipient = this.usually(fc.constantFrom('*', ...this.targets.callers, ...this.targets.owners), this.json);
    return {
      set_plan: {
        goal: this.prose('Ship the schema change', 'Fix the flaky build'),
        plan: this.prose('1. design\n2. migrate\n3. review', '- [ ] tests\n- [ ] docs'),
        board,
      },
      get_board: { board },
      create_task: {
        title: this.prose('Write the migration', 'Fix the flaky test', 'Review PR 12'),
        description: text,
        priority: whole(1, 10),
        depends_on: sometimes(this.taskIds()),
        files: sometimes(this.paths(101)),
        hints: sometimes(text),
        board,
      },
      claim_task: { task_id: sometimes(this.taskId()), board },
      complete_task: { task_id: this.taskId(), result: this.prose('done: see the PR', 'merged') },
      fail_task: {
        task_id: this.taskId(),
        reason: this.prose('tests fail on CI', 'blocked on review'),
        retry: this.boolean(),
      },
      release_task: { task_id: this.taskId() },
      update_task: {
        task_id: this.taskId(),
        priority: whole(1, 10),
        description: sometimes(text),
        depends_on: sometimes(this.taskIds()),
      },
      list_tasks: {
        status: this.usually(fc.constantFrom(...TASK_STATUS_VALUES), fc.constantFrom('open', 'DONE', '', 'claimed ')),
        assignee: sometimes(this.agentName()),
        board,
        limit: whole(1, 100),
        cursor: sometimes(this.pageCursor()),
      },
      wait_for_task: { board, timeout: this.waitTimeout() },
      publish: {
        to: recipient,
        topic: sometimes(this.topic()),
        type: this.messageType(),
        subject: this.prose('Ready for review', 'Build broken on main'),
        body: text,
        priority: whole(1, 10),
        ttl_s: sometimes(whole(1, 7 * 24 * 3600)),
        correlation_id: sometimes(this.prose('task-1', 'pr-12')),
        ack_required: sometimes(this.boolean()),
      },
      subscribe: { topic: this.topic() },
      unsubscribe: { topic: this.topic() },
      check_messages: {
        from: sometimes(this.agentName()),
        type: sometimes(this.messageType()),
        topic: sometimes(this.topic()),
        since: sometimes(this.since()),
        unacked_only: sometimes(this.boolean()),
        limit: sometimes(whole(1, 100)),
        cursor: sometimes(this.pageCursor()),
      },
      ack_message: { id: this.messageId(), comment: sometimes(text) },
      get_timeline: {
        since: sometimes(this.since()),
        type: sometimes(this.messageType()),
        from: sometimes(this.agentName()),
        limit: sometimes(whole(1, 100)),
        cursor: sometimes(this.pageCursor()),
      },
      add_finding: {
        text: this.prose('The orders table needs an index', 'Retry the Redis call on READONLY'),
        tags: sometimes(this.tags()),
        files: sometimes(this.paths(51)),
      },
      search_findings: {
        query: sometimes(this.prose('orders index', 'redis', '')),
        tags: sometimes(this.tags()),
        limit: sometimes(whole(1, 50)),
      },
      reserve_files: {
        paths: this.paths(101),
        // Mostly short, so that fuzz reservations lapse and the per-agent cap is not all they meet.
        ttl_s: this.usually(fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constant(24 * 3600)), whole(1, 24 * 3600)),
        exclusive: sometimes(this.boolean()),
        reason: this.prose('refactoring the schema', 'editing docs'),
      },
      release_files: { paths: sometimes(this.paths(101)) },
      list_reservations: {
        agent: sometimes(this.agentName()),
        path: sometimes(this.usually(this.path(), this.json)),
        cursor: sometimes(this.reservationCursor()),
      },
    };
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
    return WAITING_TOOLS.test(text) ? 100 : undefined;
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
   * wait_for_request and wait_for_task calls, well formed, by an agent nobody sends to (on a
   * board named after it, which no case names), that the caller walks away from after 20-200
   * ms: each wait must end with its connection (checked after all cases).
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
        tool: fc.constantFrom('wait_for_request', 'wait_for_task'),
        id: fc.integer(),
        timeout: fc.option(fc.integer({ min: 5, max: 3600 }), { nil: undefined }),
        abortAfterMs: fc.integer({ min: 20, max: 200 }),
      })
      .map(({ era, tool, id, timeout, abortAfterMs }) => {
        const board = tool === 'wait_for_task' ? { board: idle } : {};
        const params = { name: tool, arguments: timeout === undefined ? board : { ...board, timeout } };
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
            'Mcp-Name': era === 'modern' ? tool : undefined,
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

  /** A path segment: one of `real` mostly (encoded), else an odd one, encoded or deliberately not. */
  private pathSegment(real: fc.Arbitrary<string>): fc.Arbitrary<string> {
    const encoded = (value: string) => encodeURIComponent(value.toWellFormed());
    return fc.oneof(
      { arbitrary: real.map(encoded), weight: 4 },
      { arbitrary: this.oddShort.map(encoded), weight: 3 },
      { arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2F..%2F', '%C0%AE', ';x=1', '*'), weight: 1 },
    );
  }

  /** A query string for `route`: mostly the parameters it takes, so validation lets some through. */
  private query(route: string): fc.Arbitrary<string> {
    const encoded = (value: string) => encodeURIComponent(value.toWellFormed());
    const odd = fc.oneof(
      fc.constantFrom('', 'abc', '1.5', '1e3', '0x10', '99999999999999999999', '-0', 'NaN', '%', '%ZZ'),
      this.oddShort.map(encoded),
    );
    const number = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('9007199254740991'));
    const agents = [...this.targets.callers, ...this.targets.owners];
    // Each parameter with values near what it takes, half the time: edges are found there.
    const near: Record<string, fc.Arbitrary<string>> = {
      limit: number,
      offset: number,
      cursor: fc.oneof(number, fc.stringMatching(/^\d{1,25}$/), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)),
      before: fc.oneof(
        fc.tuple(fc.nat(), fc.nat()).map(([ms, seq]) => `${ms}-${seq}`),
        fc.constantFrom('0-0', '0-1', '999999999999999-9999999999', '1-', '-1'),
      ),
      agent: fc.constantFrom(...agents, 'x'.repeat(65)),
      action: fc.constantFrom('key', 'key.create', 'refused', 'send', 'cancel', 'a.'),
      board: fc.constantFrom(...this.targets.boards, ...ODD_NAMES).map(encoded),
      status: fc.constantFrom(...TASK_STATUS_VALUES, 'open', 'DONE'),
      assignee: fc.constantFrom(...agents),
      from: fc.constantFrom(...agents),
      type: fc.constantFrom('GENERAL', 'READY_FOR_REVIEW', 'REVIEW_REQUEST', 'a%20b', '1A'),
      topic: fc.constantFrom(...this.targets.topics, ...ODD_NAMES).map(encoded),
      since: fc
        .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((date) => encoded(date.toISOString())),
      unacked_only: fc.constantFrom('true', 'false', '1', 'TRUE', ''),
      query: fc.constantFrom('orders%20index', 'redis', 'customer_id', '%20', 'a'.repeat(500)),
      tags: fc.constantFrom('schema', 'schema,perf', 'a,,b', ',', 'x'.repeat(65), 'a%20b'),
      path: fc.constantFrom(...PATH_SAMPLES, ...this.targets.reservedPaths).map(encoded),
    };
    const taken =
      ROUTE_QUERIES[route] ??
      (route.startsWith('/api/admin/audit')
        ? ['limit', 'before', 'agent', 'action']
        : route.startsWith('/api/pending') || route.startsWith('/api/dead-letters')
          ? ['limit', 'offset']
          : ['limit', 'offset', 'cursor', 'before', 'agent', 'action']);
    const pair = fc
      .oneof(
        { arbitrary: fc.constantFrom(...taken), weight: 8 },
        { arbitrary: fc.constantFrom(...Object.keys(near)), weight: 1 },
        { arbitrary: fc.constantFrom('limit[]', 'limit[a]', '__proto__', 'constructor', 'state', 'tags[]'), weight: 1 },
      )
      .chain((name) => fc.tuple(fc.constant(name), Object.hasOwn(near, name) ? fc.oneof(near[name], odd) : odd));
    return fc
      .array(pair, { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
  }

  /** A body for `route` called with `method`: mostly its own DTO's fields (odd values, now and then a stray key), or junk. */
  private restBody(method: string, route: string): fc.Arbitrary<string | undefined> {
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
    const teamRoute = `${method} ${route}`;
    const known = Object.hasOwn(TEAM_ROUTE_BODIES, teamRoute)
      ? fc.oneof(fc.record(this.teamDto(teamRoute, 'tight')), fc.record(this.teamDto(teamRoute, 'loose')))
      : fc.record(Object.hasOwn(dtos, route) ? dtos[route] : dtos['/api/agents/register']);
    const dto = fc
      .tuple(
        known,
        fc.oneof({ arbitrary: fc.constant([]), weight: 6 }, fc.array(fc.tuple(oddKey, this.json), { maxLength: 2 })),
      )
      .map(([known, more]) => JSON.stringify(objectFrom([...Object.entries(known), ...more])));
    // A team route's body comes with fewer other oddities (see rest()): its DTO most of the time.
    const team = Object.hasOwn(TEAM_ROUTE_BODIES, teamRoute);
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: team ? 1 : 2 },
      { arbitrary: dto, weight: team ? 12 : 6 },
      { arbitrary: this.json.map((value) => JSON.stringify(value) ?? ''), weight: 1 },
      { arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"a":', '\uFEFF{}', '{"session_id":1e999}'), weight: 1 },
    );
  }

  /** The body model of a team route: its tool's arguments, less what the path names. */
  private teamDto(route: string, framing: Framing): Record<string, fc.Arbitrary<unknown>> {
    const [tool, ...inPath] = TEAM_ROUTE_BODIES[route];
    if (tool === 'check') {
      return { paths: this.withValidWeight(framing === 'tight' ? 36 : 6, () => this.paths(1001)) };
    }
    const model = tool === '' ? {} : this.teamToolModels(framing)[tool];
    return Object.fromEntries(Object.entries(model).filter(([name]) => !inPath.includes(name)));
  }

  /** The team routes of issue 12, each with the methods it answers (others come up now and then). */
  private teamRoutes(): fc.Arbitrary<RestRoute> {
    const fixed = fc.constantFrom<RestRoute>(
      ...(
        [
          ['/api/tasks', ['GET', 'POST']],
          ['/api/tasks/claim', ['POST']],
          ['/api/messages', ['GET', 'POST']],
          ['/api/timeline', ['GET']],
          ['/api/findings', ['GET', 'POST']],
          ['/api/reservations', ['GET', 'POST', 'DELETE']],
          ['/api/reservations/check', ['POST']],
        ] as const
      ).map(([path, methods]) => ({ template: path, path, methods: [...methods] })),
    );
    const board = this.pathSegment(fc.constantFrom(...this.targets.boards));
    const task = this.pathSegment(FuzzArbitraries.sequenceId('task', this.targets.taskIds, 400));
    const message = this.pathSegment(FuzzArbitraries.sequenceId('msg', this.targets.messageIds, 3000));
    const topic = this.pathSegment(fc.constantFrom(...this.targets.topics));
    const route = (template: string, methods: string[], id: fc.Arbitrary<string>, path: (id: string) => string) =>
      id.map((segment): RestRoute => ({ template, path: path(segment), methods }));
    return fc.oneof(
      { arbitrary: fixed, weight: 7 },
      { arbitrary: route('/api/boards/:board', ['GET'], board, (b) => `/api/boards/${b}`), weight: 1 },
      { arbitrary: route('/api/boards/:board/plan', ['PUT'], board, (b) => `/api/boards/${b}/plan`), weight: 1 },
      { arbitrary: route('/api/tasks/:task_id', ['GET', 'PATCH'], task, (t) => `/api/tasks/${t}`), weight: 2 },
      {
        arbitrary: task.chain((t) =>
          fc.constantFrom('complete', 'fail', 'release').map((action): RestRoute => ({
            template: `/api/tasks/:task_id/${action}`,
            path: `/api/tasks/${t}/${action}`,
            methods: ['POST'],
          })),
        ),
        weight: 3,
      },
      { arbitrary: route('/api/messages/:id/ack', ['POST'], message, (m) => `/api/messages/${m}/ack`), weight: 2 },
      {
        arbitrary: route(
          '/api/topics/:topic/subscription',
          ['PUT', 'DELETE'],
          topic,
          (t) => `/api/topics/${t}/subscription`,
        ),
        weight: 1,
      },
    );
  }

  /** Every REST route and random ones, with odd ids, queries and bodies. */
  rest(): fc.Arbitrary<HttpCase> {
    const same = (path: string): RestRoute => ({ template: path, path });
    const requestSegment = this.pathSegment(
      fc.oneof(
        { arbitrary: fc.constantFrom(...this.targets.requestIds), weight: 3 },
        { arbitrary: fc.uuid().map((id) => `req-${id}`), weight: 1 },
      ),
    );
    // Agent routes first: they hold the logic; the rest is routing and guards.
    const routes: fc.Arbitrary<RestRoute> = fc.oneof(
      {
        arbitrary: fc
          .constantFrom(
            '/api/agents',
            '/api/agents/register',
            '/api/agents/leave',
            '/api/pending',
            '/api/requests',
            '/api/hooks/session-start',
            '/api/hooks/stop',
            '/api/hooks/post-tool-use',
            '/api/hooks/session-end',
          )
          .map(same),
        weight: 5,
      },
      { arbitrary: this.teamRoutes(), weight: 7 },
      { arbitrary: fc.constantFrom('/api/dead-letters', '/api/admin/keys', '/api/admin/audit').map(same), weight: 2 },
      {
        arbitrary: fc
          .constantFrom('/api/health', '/api/health/live', '/api/health/ready', '/metrics', '/mcp', '/', '/api')
          .map(same),
        weight: 1,
      },
      {
        arbitrary: requestSegment.chain((id) =>
          fc.constantFrom<RestRoute>(
            { template: '/api/dead-letters/:id/requeue', path: `/api/dead-letters/${id}/requeue` },
            { template: '/api/requests/:id', path: `/api/requests/${id}` },
            { template: '/api/requests/:id/cancel', path: `/api/requests/${id}/cancel` },
            { template: '/api/admin/keys/:id', path: `/api/admin/keys/${id}` },
            { template: '/api/agents/:id', path: `/api/agents/${id}` },
            { template: '/api/:id', path: `/api/${id}` },
          ),
        ),
        weight: 2,
      },
    );
    const anyMethod = fc.oneof(
      { arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 },
      { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), weight: 1 },
    );
    // A route's own methods mostly, so that a case gets past the router to the handler.
    const methodFor = (route: RestRoute) =>
      route.methods
        ? fc.oneof({ arbitrary: fc.constantFrom(...route.methods), weight: 8 }, { arbitrary: anyMethod, weight: 1 })
        : anyMethod;
    const contentType = usually(
      fc.constant('application/json'),
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=bogus'),
    );
    // The team routes' bodies hold their oddities: with a wrong type 40% of the time on top,
    // few of them would reach a handler.
    const teamContentType = fc.oneof({ arbitrary: fc.constant('application/json'), weight: 3 }, contentType);
    return fc
      .record({
        call: routes.chain((route) =>
          fc.tuple(methodFor(route), route.methods ? teamContentType : contentType).chain(([method, type]) =>
            this.queryAndBody(method, route.template).map(([query, body]) => ({
              route,
              method,
              query,
              body,
              contentType: type,
            })),
          ),
        ),
        identity: fc.oneof(this.identity('tight'), this.identity('loose')),
        operator: this.operatorAuthorization(),
      })
      .map(({ call: { route, method, query, body, contentType }, identity, operator }) => {
        const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        // Operator routes mostly with the operator's token, or they would only ever test the guard.
        const operatorRoute = /^\/api\/(?:admin|dead-letters)/.test(route.path);
        return {
          kind: 'http' as const,
          method,
          path: route.path + query,
          headers: compact({
            ...identity,
            ...(operatorRoute && operator !== null && { Authorization: operator }),
            'Content-Type': hasBody && typeof contentType === 'string' ? contentType : undefined,
          }),
          body: hasBody ? body : undefined,
          // A blocking call on /mcp (GET opens a stream) must not hold the case.
          abortAfterMs: route.path === '/mcp' ? 500 : undefined,
        };
      });
  }

  private queryAndBody(method: string, route: string): fc.Arbitrary<[string, string | undefined]> {
    const key = `${method} ${route}`;
    let arbitrary = this.perRoute.get(key);
    if (!arbitrary) {
      arbitrary = fc.tuple(this.query(route), this.restBody(method, route));
      this.perRoute.set(key, arbitrary);
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
