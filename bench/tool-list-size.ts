/**
 * What the coordinator's MCP tools cost a model's context, per tool and in total, two ways:
 *
 *   (a) the coordinator's own tools/list: each tool's name, description and input schema as compact
 *       JSON, in characters (contextChars, the measure test/tool-list.e2e-spec.ts keeps under budget);
 *   (b) what the real Claude Code CLI sends its model: a real interactive Claude Code with the c3po
 *       plugin (test/support/claude-session.ts), its model a scripted stand-in on loopback
 *       (test/support/model-stand-in.ts), one prompt typed; the `tools` of the first main-loop
 *       request, each c3po tool as `JSON.stringify(tool)`, with and without its name prefix.
 *
 * (b) runs twice: with ENABLE_TOOL_SEARCH=false, as the tests run Claude Code (every tool sent
 * whole), and with Claude Code's default, which defers MCP tools behind its ToolSearch tool. There
 * the stand-in then calls ToolSearch for the c3po tools, and the next request shows them loaded.
 *
 *   node bench/tool-list-size.ts [--build | --no-build]
 *
 * Needs redis-server and tmux on PATH; installs Claude Code 2.1.330 on first use
 * (test/plugin/claude-code.sh). Writes nothing into the repository (the coordinator's build cache
 * under node_modules/.cache/c3po-bench aside). See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { tool as c3poToolName } from '../src/common/peer-text.ts';
import { claudeBinary, ClaudeSession } from '../test/support/claude-session.ts';
import { type ModelRequest, ModelStandIn, textOf } from '../test/support/model-stand-in.ts';
import { RedisServer } from '../test/support/redis-server.ts';
import { contextChars, type ListedTool, listedTools } from '../test/support/tool-list.ts';
import { Cleanup } from './support/cleanup.ts';
import { CoordinatorProcess, coordinatorEntry } from './support/coordinator-process.ts';
import { parseOptions } from './support/options.ts';

const options = parseOptions('usage: node bench/tool-list-size.ts [--build | --no-build]', {});
if (options.help) {
  process.exit(0);
}
const environment = options.environment;
if (environment.url || environment.keys || environment.profileDir) {
  console.error(
    'tool-list-size starts its own coordinator, keyless, and Claude Code on it: --url, --keys and --cpu-prof do not apply',
  );
  process.exit(2);
}

/** How Claude Code names the plugin's C3PO tools to the model, as the hooks name them too. */
const PREFIX = c3poToolName('');
const PROMPT = 'What is 2 + 2?';
const TURN_MS = 60_000;

/** One way of running Claude Code: a label, a short one for the table, and its environment. */
interface Mode {
  label: string;
  short: string;
  env: Record<string, string>;
}

const modes: Mode[] = [
  {
    label: 'ENABLE_TOOL_SEARCH=false (as the tests run Claude Code)',
    short: 'search off',
    env: { ENABLE_TOOL_SEARCH: 'false' },
  },
  // ClaudeSession sets it to false; Claude Code takes an empty value for none (its debug log says
  // ENABLE_TOOL_SEARCH=undefined).
  { label: "Claude Code's default (ENABLE_TOOL_SEARCH unset)", short: 'default', env: { ENABLE_TOOL_SEARCH: '' } },
];

/** What one Claude Code session sent its model. */
interface Capture {
  mode: Mode;
  /** The first main-loop request, the one answering the prompt. */
  first: ModelRequest;
  /** With the c3po tools deferred: the request after the stand-in's ToolSearch for them. */
  loaded?: ModelRequest;
  /** Claude Code's tool-search decision, from its debug log. */
  decision: string;
}

/** A tool as sent in a request's `tools`, keys in the order Claude Code sent them. */
type SentTool = Record<string, unknown> & { name: string };

const c3poTools = (request: ModelRequest): SentTool[] =>
  (request.body.tools as SentTool[]).filter((tool) => tool.name.startsWith(PREFIX));
const unprefixed = (tool: SentTool): SentTool => ({ ...tool, name: tool.name.slice(PREFIX.length) });
const chars = (value: unknown): number => JSON.stringify(value).length;
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
const count = (value: number): string => value.toLocaleString('en-US');

/**
 * Starts Claude Code as `mode` says, types the prompt and keeps what it sent the model. The
 * stand-in answers with text, unless the c3po tools are deferred behind ToolSearch: then it first
 * calls ToolSearch to load them all, as a model about to use them would.
 */
async function capture(mode: Mode, model: ModelStandIn, coordinatorUrl: string, names: string[]): Promise<Capture> {
  let searched = false;
  let answered = false;
  model.brain = (request) => {
    const deferred = c3poTools(request).length === 0 && request.tools.some((tool) => tool.name === 'ToolSearch');
    if (deferred && !searched) {
      searched = true;
      const query = `select:${names.map((name) => PREFIX + name).join(',')}`;
      return { tool: 'ToolSearch', input: { query, max_results: names.length } };
    }
    answered = true;
    return { text: 'Done.' };
  };
  const from = model.requests.length;
  const session = await ClaudeSession.start({
    modelUrl: model.url,
    project: 'toolsize',
    env: { C3PO_COORDINATOR_URL: coordinatorUrl, ...mode.env },
    mcpServers: ['plugin:c3po:c3po', 'plugin:c3po:push'],
    scratchDir: scratch,
  });
  const stop = cleanup.add('Claude Code', () => session.stop());
  try {
    await session.type(PROMPT);
    for (const deadline = Date.now() + TURN_MS; !answered; await sleep(100)) {
      if (Date.now() > deadline) {
        throw new Error(`the model stand-in was not asked to answer within ${TURN_MS} ms:\n${await session.capture()}`);
      }
    }
    const [first, loaded] = model.requests
      .slice(from)
      .filter((request) => request.tools.length > 0 && request.messages.some((m) => textOf(m).includes(PROMPT)));
    const decision = /\[ToolSearch:optimistic\] (.*)/.exec(session.debugLog())?.[1] ?? 'not in the debug log';
    return { mode, first, loaded: searched ? loaded : undefined, decision };
  } finally {
    await stop();
  }
}

/** Where `actual` differs from `expected`: JSON paths, each with added, removed or changed. */
function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) {
    return [];
  }
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(expected) && isObject(actual)) {
    const [a, b] = [expected as Record<string, unknown>, actual as Record<string, unknown>];
    const found = [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) =>
      !(key in b)
        ? [`${path}/${key} removed`]
        : !(key in a)
          ? [`${path}/${key} added: ${JSON.stringify(b[key]).slice(0, 60)}`]
          : differences(a[key], b[key], `${path}/${key}`),
    );
    return found.length > 0 ? found : [`${path || '/'} keys reordered`];
  }
  return [`${path || '/'} changed`];
}

/** How the c3po tools in `request` differ from tools/list's, name prefix aside; one line per kind. */
function changes(listed: ListedTool[], request: ModelRequest): string[] {
  const seen = new Map<string, string[]>();
  for (const sent of c3poTools(request)) {
    const tool = listed.find((candidate) => PREFIX + candidate.name === sent.name);
    const expected = tool && { name: tool.name, description: tool.description, input_schema: tool.inputSchema };
    for (const difference of expected ? differences(expected, unprefixed(sent)) : ['not in tools/list']) {
      seen.set(difference, [...(seen.get(difference) ?? []), sent.name.slice(PREFIX.length)]);
    }
  }
  return [...seen].map(
    ([what, tools]) => `${what} (${tools.length === listed.length ? 'every tool' : tools.join(', ')})`,
  );
}

/** The per-tool table: (a), then each request that carries c3po tools, as sent and without prefix. */
function table(listed: ListedTool[], captures: Capture[]): string[] {
  const columns: { title: string; size: (tool: ListedTool) => number | undefined }[] = [
    { title: '(a) tools/list', size: contextChars },
  ];
  for (const { mode, first, loaded } of captures) {
    for (const [request, title] of [
      [first, `(b) ${mode.short}: sent`],
      [loaded, `(b) ${mode.short}, after ToolSearch: sent`],
    ] as const) {
      if (request && c3poTools(request).length > 0) {
        const sent = (tool: ListedTool) => c3poTools(request).find((found) => found.name === PREFIX + tool.name);
        columns.push(
          { title, size: (tool) => mapDefined(sent(tool), chars) },
          { title: 'without prefix', size: (tool) => mapDefined(sent(tool), (found) => chars(unprefixed(found))) },
        );
      }
    }
  }
  const titles = columns.map(({ title }) => title);
  const width = Math.max(22, ...listed.map((tool) => tool.name.length)) + 2;
  const row = (label: string, values: string[]) =>
    label.padEnd(width) + values.map((value, i) => value.padStart(titles[i].length + 3)).join('');
  const total = (column: (typeof columns)[number]) => count(sum(listed.map((tool) => column.size(tool) ?? 0)));
  const cells = (tool: ListedTool) => columns.map(({ size }) => mapDefined(size(tool), count) ?? '—');
  return [
    row('tool (characters)', titles),
    ...listed.map((tool) => row(tool.name, cells(tool))),
    row(`total, ${listed.length} tools`, columns.map(total)),
  ];
}

/**
 * The c3po tool names standing one a line in the system prompt or a message (Claude Code's list of
 * deferred tools), where, and the line that introduces the list.
 */
function nameList(request: ModelRequest, listed: ListedTool[]) {
  const places = [
    { where: 'the system prompt', lines: request.system.split('\n') },
    ...request.messages.map((message, i) => ({
      where: `message ${i} (${message.role})`,
      lines: textOf(message).split('\n'),
    })),
  ];
  const place = places.find(({ lines }) => listed.some((tool) => lines.includes(PREFIX + tool.name)));
  return (
    place && {
      where: place.where,
      names: listed.filter((tool) => place.lines.includes(PREFIX + tool.name)).map((tool) => PREFIX + tool.name),
      intro: place.lines.find((line) => /deferred tools/i.test(line)),
    }
  );
}

/** What each session sent besides the table: deferral, all tools, changes to the c3po tools. */
function details(listed: ListedTool[], { mode, first, loaded, decision }: Capture): string[] {
  const names = nameList(first, listed);
  const deferLoading = (request: ModelRequest) =>
    (request.body.tools as SentTool[]).filter((tool) => tool.defer_loading === true).map((tool) => tool.name);
  const references = (loaded?.messages ?? [])
    .flatMap((message) => (typeof message.content === 'string' ? [] : message.content))
    .flatMap((block) => (Array.isArray(block.content) ? block.content : []))
    .filter((block) => block.type === 'tool_reference').length;
  const changed = (request: ModelRequest) =>
    changes(listed, request).map((change) => `  changed from tools/list: ${change}`);
  return [
    '',
    `${mode.label}; debug log: [ToolSearch:optimistic] ${decision}`,
    `  first request: ${c3poTools(first).length} of ${listed.length} c3po tools in \`tools\`; all tools sent: ${first.body.tools.length}, ${count(chars(first.body.tools))} characters (c3po ${count(sum(c3poTools(first).map(chars)))}); system prompt ${count(chars(first.body.system))}`,
    `  sent with defer_loading: ${deferLoading(first).join(', ') || 'none'}`,
    names
      ? `  c3po tool names listed one a line in ${names.where}: ${names.names.length}, ${count(sum(names.names.map((name) => name.length + 1)))} characters${names.intro ? `, under "${names.intro.slice(0, 100)}…"` : ''}`
      : '  c3po tool names listed one a line in the system prompt or a message: none',
    ...changed(first),
    ...(loaded
      ? [
          `  after ToolSearch: ${c3poTools(loaded).length} c3po tools in \`tools\`, ${count(sum(c3poTools(loaded).map(chars)))} characters; its result: ${references} tool_reference blocks`,
          ...changed(loaded),
        ]
      : []),
  ];
}

function report(listed: ListedTool[], captures: Capture[]): string {
  const notSent = [...new Set(listed.flatMap((tool) => Object.keys(tool)))].filter(
    (key) => !['name', 'description', 'inputSchema'].includes(key),
  );
  return [
    ...table(listed, captures),
    ...captures.flatMap((capture) => details(listed, capture)),
    '',
    `Claude Code sends each c3po tool's description and input schema as tools/list has them, unless a "changed" line says otherwise; its name gains ${PREFIX} (${PREFIX.length} characters)${notSent.length > 0 ? `; tools/list's ${notSent.join(', ')} is not sent` : ''}.`,
  ].join('\n');
}

function mapDefined<T, U>(value: T | undefined, map: (value: T) => U): U | undefined {
  return value === undefined ? undefined : map(value);
}

const cleanup = new Cleanup().stopOnSignals('Claude Code, the coordinator and Redis');
const scratch = mkdtempSync(join(tmpdir(), 'toolsize-'));
cleanup.add('scratch folder', () => Promise.resolve(rmSync(scratch, { recursive: true, force: true })));

try {
  const { main, build } = coordinatorEntry(environment.build);
  const claude = await claudeBinary();
  const version = (await promisify(execFile)(claude, ['--version'], { timeout: 30_000 })).stdout.split(' ')[0];
  const redis = await RedisServer.start();
  cleanup.add('Redis', () => redis.stop());
  const coordinator = await CoordinatorProcess.start({
    main,
    redisUrl: redis.url,
    prefix: 'toolsize',
    logFile: join(scratch, 'coordinator.log'),
    nodeFlags: environment.nodeFlags,
  });
  cleanup.add('coordinator', () => coordinator.stop());
  const model = await ModelStandIn.start();
  cleanup.add('model stand-in', () => model.close());

  const listed = await listedTools(coordinator.url);
  const names = listed.map((tool) => tool.name);
  const captures: Capture[] = [];
  for (const mode of modes) {
    console.error(`Claude Code, ${mode.label}…`);
    captures.push(await capture(mode, model, coordinator.url, names));
  }
  console.log(
    `C3PO tool list size, ${new Date().toISOString()}: coordinator ${build}; Claude Code ${version}, model = scripted stand-in, prompt "${PROMPT}"\n\n${report(listed, captures)}`,
  );
} finally {
  await cleanup.all();
}
