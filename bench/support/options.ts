import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from './coordinator-process.ts';
import type { EnvironmentOptions } from './environment.ts';

export interface CommonOptions {
  environment: EnvironmentOptions;
  help: boolean;
  numbers: Record<string, number>;
  strings: Record<string, string | undefined>;
}

const commonHelp = `
  --url URL         measure an already running coordinator instead of starting Redis and a built one
  --redis-url URL   with --url: that coordinator's Redis, for connection counts (only INFO/CLIENT LIST)
  --pid PID         with --url: that coordinator's process id, for RSS and CPU
  --build           always build src/ first (default: only when the bench's build is missing or
                    older than src/); the bench builds into node_modules/.cache/c3po-bench/dist
  --no-build        build nothing; run dist/main.js (what npm start runs) as it is
  --cpu-prof        profile the coordinator child, one .cpuprofile per phase in bench/profiles/
  --node-flags=S    Node/V8 flags for the coordinator child after npm start's, with "=" because the value
                    starts with a dash: --node-flags="--max-semi-space-size=64 --trace-gc"
  --keys            start the coordinator with API keys on (C3PO_ADMIN_TOKEN) and one key for '*', which
                    every agent and REST call sends: each call then pays the guard's key check
  --api-key KEY     with --url: the key to send with every call, for a coordinator with keys on; its
                    pattern must match bench-* (npx c3po keys create --name bench --agent 'bench-*')
  --help            this text`;

/**
 * Parses the options every bench script shares plus its own numeric and string ones
 * (`--name value`), each with a default.
 */
export function parseOptions(
  usage: string,
  numbers: Record<string, number>,
  strings: Record<string, string | undefined> = {},
): CommonOptions {
  try {
    return parse(usage, numbers, strings);
  } catch (error) {
    console.error(`${(error as Error).message}\n(--help lists the options)`);
    process.exit(2);
  }
}

function parse(
  usage: string,
  numbers: Record<string, number>,
  strings: Record<string, string | undefined> = {},
): CommonOptions {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      'redis-url': { type: 'string' },
      pid: { type: 'string' },
      build: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
      keys: { type: 'boolean', default: false },
      'api-key': { type: 'string' },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys({ ...numbers, ...strings }).map((name) => [name, { type: 'string' as const }])),
    },
    strict: true,
  });
  const extra = values as Record<string, string | boolean | undefined>;
  if (values.help) {
    console.log(
      `${usage}\n\noptions:${commonHelp}\n${Object.entries(numbers)
        .map(([name, value]) => `  --${name.padEnd(15)} default ${value}`)
        .join('\n')}\n${Object.entries(strings)
        .map(([name, value]) => `  --${name.padEnd(15)} default ${value ?? '(none)'}`)
        .join('\n')}`,
    );
  }
  const parsedNumbers = Object.fromEntries(
    Object.entries(numbers).map(([name, fallback]) => {
      const raw = extra[name] as string | undefined;
      const value = raw === undefined ? fallback : Number(raw);
      if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`--${name} must be a positive number, got ${raw}`);
      }
      return [name, value];
    }),
  );
  const parsedStrings = Object.fromEntries(
    Object.entries(strings).map(([name, fallback]) => [name, (extra[name] as string | undefined) ?? fallback]),
  );
  if (values.build && values['no-build']) {
    throw new Error('--build and --no-build contradict each other');
  }
  if ((values['redis-url'] || values.pid) && !values.url) {
    throw new Error('--redis-url and --pid describe a coordinator given with --url');
  }
  if (values['node-flags'] && values.url) {
    throw new Error('--node-flags applies to the coordinator the bench starts, not to one given with --url');
  }
  if (values.keys && values.url) {
    throw new Error(
      '--keys turns keys on in the coordinator the bench starts; for one given with --url, pass --api-key',
    );
  }
  if (values['api-key'] !== undefined && !values.url) {
    throw new Error('--api-key is for a coordinator given with --url; --keys gives the bench its own key');
  }
  if (values['cpu-prof'] && values.url) {
    throw new Error('--cpu-prof profiles the coordinator the bench starts; with --url, profile it yourself');
  }
  return {
    help: values.help === true,
    numbers: parsedNumbers,
    strings: parsedStrings,
    environment: {
      url: values.url,
      redisUrl: values['redis-url'],
      pid: values.pid === undefined ? undefined : Number(values.pid),
      build: values.build ? 'always' : values['no-build'] ? 'never' : 'auto',
      profileDir: values['cpu-prof'] ? join(projectRoot, 'bench', 'profiles') : undefined,
      nodeFlags: values['node-flags'],
      keys: values.keys,
      apiKey: values['api-key'],
      floor: true,
    },
  };
}

export function resolveFromRoot(path: string): string {
  return resolve(projectRoot, path);
}
