import { readdirSync, readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from './redis.constants.js';

const scriptsDir = new URL('./scripts/', import.meta.url);

type ScriptArg = string | number;
type ScriptFn = (...args: ScriptArg[]) => Promise<unknown>;

/**
 * The Lua scripts in ./scripts, one per atomic operation, registered once with defineCommand
 * (EVALSHA, falling back to EVAL after a Redis restart). A file is named `<command>-<key count>.lua`.
 */
@Injectable()
export class RedisScripts {
  private readonly keyCounts = new Map<string, number>();

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    for (const file of readdirSync(scriptsDir)) {
      const match = /^(\w+)-(\d+)\.lua$/.exec(file);
      if (!match) {
        continue;
      }
      const [, name, keys] = match;
      const lua = readFileSync(new URL(file, scriptsDir), 'utf8');
      this.redis.defineCommand(name, { numberOfKeys: Number(keys), lua });
      this.keyCounts.set(name, Number(keys));
    }
  }

  run(name: string, keys: string[], args: ScriptArg[]): Promise<unknown> {
    if (this.keyCounts.get(name) !== keys.length) {
      throw new Error(`script ${name} takes ${this.keyCounts.get(name)} keys, got ${keys.length}`);
    }
    const command = (this.redis as unknown as Record<string, ScriptFn>)[name];
    return command.call(this.redis, ...keys, ...args);
  }
}
