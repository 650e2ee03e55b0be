import { readdirSync, readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from './redis.constants.js';
import { AnyScript, ScriptArgs, ScriptKeys, ScriptReply } from './redis-script.js';
import { Scripts } from './script-catalog.js';
import { ScriptCode } from './script-code.js';
import { TopicPrefix } from './topics.js';

const scriptsDir = new URL('./scripts/', import.meta.url);
const includePattern = /^--- @include "([\w-]+)"$/gm;

/** Names both sides use, written at the top of every script. */
const prelude = [
  `local Code = { ${Object.entries(ScriptCode)
    .filter(([name]) => Number.isNaN(Number(name)))
    .map(([name, code]) => `${name} = ${code}`)
    .join(', ')} }`,
  `local Topic = { ${Object.entries(TopicPrefix)
    .map(([name, prefix]) => `${name} = '${prefix}'`)
    .join(', ')} }`,
].join('\n');

/** A script's source with the prelude and its `--- @include "name"` lines (./scripts/includes) filled in. */
export function loadScript(script: AnyScript): string {
  const source = readFileSync(new URL(`${script.name}-${script.keys.length}.lua`, scriptsDir), 'utf8');
  return `${prelude}\n${source.replace(includePattern, (_line, name: string) =>
    readFileSync(new URL(`includes/${name}.lua`, scriptsDir), 'utf8'),
  )}`;
}

/**
 * The Lua scripts of the catalog, registered once with defineCommand (EVALSHA, falling back to
 * EVAL after a Redis restart) and run with named keys and arguments.
 */
@Injectable()
export class RedisScripts {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    const catalogued = new Set<string>();
    for (const script of Object.values(Scripts) as AnyScript[]) {
      this.redis.defineCommand(script.name, { numberOfKeys: script.keys.length, lua: loadScript(script) });
      catalogued.add(`${script.name}-${script.keys.length}.lua`);
    }
    const strays = readdirSync(scriptsDir).filter((file) => file.endsWith('.lua') && !catalogued.has(file));
    if (strays.length > 0) {
      throw new Error(`scripts missing from the catalog or with another key count: ${strays.join(', ')}`);
    }
  }

  run<S extends AnyScript>(script: S, keys: ScriptKeys<S>, args: ScriptArgs<S>): Promise<ScriptReply<S>> {
    const command = (this.redis as unknown as Record<string, (...values: (string | number)[]) => Promise<unknown>>)[
      script.name
    ];
    const keyValues = script.keys.map((name) => (keys as Record<string, string>)[name]);
    const argValues = script.args.map((name) => (args as Record<string, string | number>)[name]);
    return command.call(this.redis, ...keyValues, ...argValues) as Promise<ScriptReply<S>>;
  }
}
