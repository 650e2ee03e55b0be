#!/usr/bin/env node
// c3po: the operator's command line for a coordinator's API keys and audit log (its admin REST
// API). Plain ESM with no dependencies and no build, so `npx c3po` works from a checkout or an
// install on Node 20 and later. Every failure is one line on stderr: exit 1, or 2 for usage.
import { URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';

const DEFAULT_URL = 'http://localhost:8420';
const REQUEST_BUDGET_MS = 15_000;
/** The audit API's own page size. */
const DEFAULT_AUDIT_LIMIT = 50;

const HELP = `Usage: c3po <command> [options]

Manage a C3PO coordinator's API keys and read its audit log.

Commands:
  keys create --name NAME --agent PATTERN
                        create a key for the agent ids matching PATTERN (e.g. 'laptop-*');
                        the key is printed once, with the lines to set on the host
  keys list             list the keys: name, agent pattern, id, created, last used
  keys revoke NAME|ID   revoke a key: hosts using it are refused from then on
  audit [--limit N] [--agent ID] [--action PREFIX] [--before ENTRY-ID]
                        security events, newest first (key changes, refused calls, ...)
  help                  print this text

Options:
  --json                print the coordinator's JSON answer instead of text (for scripts)
  --url URL             the coordinator (default: $C3PO_COORDINATOR_URL, else ${DEFAULT_URL})
  -h, --help            print this text

Environment:
  C3PO_COORDINATOR_URL  the coordinator, as the plugin uses it (default ${DEFAULT_URL})
  C3PO_ADMIN_TOKEN      the admin token the coordinator was started with; only read from the
                        environment, as a command-line argument shows in ps and shell history

Exit status: 0 done, 1 failed (one line on stderr), 2 usage error.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  name: { type: 'string' },
  agent: { type: 'string' },
  limit: { type: 'string' },
  action: { type: 'string' },
  before: { type: 'string' },
};
const GLOBAL_OPTIONS = ['help', 'json', 'url'];

/** A failure to report in one line; `code` 2 for usage errors. */
class CliError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

const usage = (message) => new CliError(`${message} (see c3po --help)`, 2);

const COMMANDS = {
  'keys create': {
    options: ['name', 'agent'],
    args: 0,
    check({ name, agent }) {
      if (!name?.trim() || !agent?.trim()) {
        throw usage("keys create needs --name NAME and --agent PATTERN, e.g. --name laptop --agent 'laptop-*'");
      }
    },
    async run({ name, agent }, _args, api) {
      const key = await api('POST', '/api/admin/keys', { name, agent });
      return [key, () => createdText(key)];
    },
  },
  'keys list': {
    options: [],
    args: 0,
    async run(_options, _args, api) {
      const answer = await api('GET', '/api/admin/keys');
      return [answer, () => keysText(answer.keys)];
    },
  },
  'keys revoke': {
    options: [],
    args: 1,
    argsHint: 'keys revoke needs the name or id of one key',
    async run(_options, [which], api) {
      const key = await api('DELETE', `/api/admin/keys/${encodeURIComponent(which)}`);
      return [
        key,
        () =>
          `Revoked key "${clean(key.name)}" (id ${clean(key.id)}, agents ${clean(key.agent_pattern)}) ` +
          `at ${when(key.revoked_at)}: hosts using it are refused from now on.\n`,
      ];
    },
  },
  audit: {
    options: ['limit', 'agent', 'action', 'before'],
    args: 0,
    check({ limit }) {
      if (limit !== undefined && !/^[1-9]\d{0,5}$/.test(limit)) {
        throw usage(`--limit must be a positive whole number, not '${clean(limit)}'`);
      }
    },
    async run(options, _args, api) {
      const limit = Number(options.limit ?? DEFAULT_AUDIT_LIMIT);
      const entries = [];
      let before = options.before;
      let nextBefore;
      // With --agent or --action the coordinator reads a bounded stretch of the log per call, and
      // answers a short or empty page with next_before when that stretch held too few matches:
      // read on back until the page is full or the log ends, rather than print 'No audit entries.'
      for (;;) {
        const query = new URLSearchParams({ limit: String(limit - entries.length) });
        for (const [name, value] of [
          ['before', before],
          ['agent', options.agent],
          ['action', options.action],
        ]) {
          if (value !== undefined) {
            query.set(name, value);
          }
        }
        const page = await api('GET', `/api/admin/audit?${query}`);
        if (!Array.isArray(page.entries)) {
          return [page, () => auditText(page, options)];
        }
        entries.push(...page.entries);
        nextBefore = page.next_before ?? null;
        if (entries.length >= limit || !nextBefore || (options.agent === undefined && options.action === undefined)) {
          break;
        }
        before = nextBefore;
      }
      const answer = { entries, next_before: nextBefore };
      return [answer, () => auditText(answer, options)];
    },
  },
};

async function main(argv, env) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(parseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') {
    return HELP;
  }
  const [first, second] = positionals;
  const commandName = first === 'keys' ? `keys ${second ?? ''}`.trim() : first;
  const command = COMMANDS[commandName];
  if (!command) {
    throw usage(
      first !== 'keys'
        ? `unknown command '${clean(first)}'`
        : second === undefined
          ? 'keys needs a command: create, list or revoke'
          : `unknown keys command '${clean(second)}': create, list or revoke`,
    );
  }
  const args = positionals.slice(commandName.split(' ').length);
  if (args.length !== command.args) {
    throw usage(command.argsHint ?? `${commandName} takes no argument '${clean(args[0])}'`);
  }
  const stray = Object.keys(values).find((name) => !GLOBAL_OPTIONS.includes(name) && !command.options.includes(name));
  if (stray) {
    throw usage(`${commandName} has no --${stray} option`);
  }
  command.check?.(values);

  const url = coordinatorUrl(values.url ?? env.C3PO_COORDINATOR_URL);
  const token = env.C3PO_ADMIN_TOKEN?.trim();
  if (!token) {
    throw new CliError("set C3PO_ADMIN_TOKEN to the coordinator's admin token");
  }
  const [answer, text] = await command.run(values, args, (method, path, body) =>
    request(url, token, method, path, body),
  );
  return values.json ? JSON.stringify(answer, null, 2) + '\n' : text();
}

function coordinatorUrl(value) {
  const text = (value?.trim() || DEFAULT_URL).replace(/\/+$/, '');
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`the coordinator URL is not a URL: '${clean(text)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`the coordinator URL must start with http:// or https://, not '${clean(text)}'`);
  }
  return text;
}

/** One admin API call; the coordinator's own message on any error status. */
async function request(url, token, method, path, body) {
  let response;
  let text;
  try {
    response = await fetch(url + path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_BUDGET_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new CliError(`coordinator at ${url} unreachable (${reason(error)})`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const message = serverMessage(json);
    const route = `${method} ${path.split('?')[0]}`;
    // Nest's answer for a route it does not have: a coordinator from before the admin API.
    if (response.status === 404 && (!message || message.startsWith(`Cannot ${method} `))) {
      throw new CliError(`coordinator at ${url} has no ${route} (HTTP 404): is it a C3PO version with API keys?`);
    }
    if (message) {
      throw new CliError(`coordinator refused: ${message} (HTTP ${response.status})`);
    }
    throw new CliError(`coordinator at ${url} answered HTTP ${response.status} to ${route}`);
  }
  if (typeof json !== 'object' || json === null) {
    throw new CliError(`coordinator at ${url} sent no JSON for ${method} ${path.split('?')[0]}`);
  }
  return json;
}

function serverMessage(json) {
  const message = json?.message;
  const text = Array.isArray(message) ? message.join('; ') : message;
  return typeof text === 'string' && text.trim() ? clean(text).slice(0, 500) : undefined;
}

function reason(error) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') {
    return `no answer within ${REQUEST_BUDGET_MS / 1000} s`;
  }
  return clean(String(error?.cause?.code ?? error?.cause?.message ?? error?.message ?? error));
}

function parseError(error) {
  const option = /'(-[^' ]*)/.exec(error?.message ?? '')?.[1];
  switch (error?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${clean(option ?? '?')}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option ? `option '${clean(option)}' needs a value` : 'an option is missing its value';
    default:
      return clean(String(error?.message ?? error).split('\n')[0]);
  }
}

function createdText(key) {
  const pattern = String(key.agent_pattern);
  return [
    `Created key "${clean(key.name)}" (id ${clean(key.id)}) for agent ids matching ${clean(pattern)}.`,
    'The key is shown once: store it now.',
    '',
    `  ${clean(key.key)}`,
    '',
    'On the host, set where claude starts (e.g. in the shell profile):',
    `  export C3PO_API_KEY=${shellWord(key.key)}`,
    agentIdHint(pattern),
    '',
  ].join('\n');
}

/** The C3PO_AGENT_ID line for a pattern: the id itself, or an example that matches it. */
function agentIdHint(pattern) {
  if (!/[*?]/.test(pattern)) {
    return `  export C3PO_AGENT_ID=${shellWord(pattern)}`;
  }
  if (/^[*?]+$/.test(pattern)) {
    return '  (any C3PO_AGENT_ID is allowed; without one the plugin uses the project folder name)';
  }
  return `  export C3PO_AGENT_ID=${shellWord(pattern.replace(/[*?]+/g, '1'))}   # or any other id matching ${clean(pattern)}`;
}

function keysText(keys) {
  if (!Array.isArray(keys) || keys.length === 0) {
    return "No keys. Create one with: c3po keys create --name NAME --agent 'PATTERN'\n";
  }
  return table(
    ['NAME', 'AGENTS', 'ID', 'CREATED', 'LAST USED'],
    keys.map((key) => [key.name, key.agent_pattern, key.id, when(key.created_at), when(key.last_used_at, 'never')]),
  );
}

function auditText({ entries, next_before: nextBefore }, options) {
  if (!Array.isArray(entries) || entries.length === 0) {
    return 'No audit entries.\n';
  }
  let text = table(
    ['TIME', 'ACTION', 'OUTCOME', 'AGENT', 'KEY', 'DETAIL', 'ID'],
    entries.map((entry) => [
      when(entry.time),
      entry.action,
      entry.outcome,
      entry.agent || '-',
      entry.key || '-',
      detail(entry.detail),
      entry.id,
    ]),
  );
  if (nextBefore) {
    const kept = ['limit', 'agent', 'action']
      .filter((name) => options[name] !== undefined)
      .map((name) => ` --${name} ${shellWord(options[name])}`)
      .join('');
    text += `Older entries: c3po audit${kept} --before ${shellWord(nextBefore)}\n`;
  }
  return text;
}

function detail(value) {
  if (value === null || value === undefined || value === '') {
    return '-';
  }
  if (typeof value !== 'object') {
    return String(value);
  }
  return Object.entries(value)
    .map(([name, item]) => `${name}=${typeof item === 'string' ? item : JSON.stringify(item)}`)
    .join(' ');
}

/** Columns padded to their widest cell; the last one is not padded. */
function table(header, rows) {
  const cells = [header, ...rows.map((row) => row.map((cell) => clean(String(cell ?? '-'))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '),
    )
    .join('\n')
    .concat('\n');
}

/** An ISO time as `2026-11-25 02:48:27Z`. */
function when(value, missing = '-') {
  if (!value) {
    return missing;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? clean(String(value))
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

/**
 * Control characters out: audit entries carry what callers sent (agent ids, messages), and
 * escape sequences in them must not reach the operator's terminal.
 */
function clean(value) {
  return String(value).replace(/[\p{Cc}\u2028\u2029]/gu, '?');
}

/** A word the shell reads back as is: bare when it is safe, else in single quotes. */
function shellWord(value) {
  const text = clean(value);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

process.stdout.on('error', () => process.exit(process.exitCode ?? 0)); // `c3po audit | head`
main(process.argv.slice(2), process.env).then(
  (output) => process.stdout.write(output),
  (error) => {
    const message =
      error instanceof CliError ? error.message : `unexpected ${error?.name ?? 'error'}: ${error?.message}`;
    process.stderr.write(`c3po: ${clean(message.split('\n')[0])}\n`);
    process.exitCode = error instanceof CliError ? error.code : 1;
  },
);
