type Names = readonly string[];
type ScriptValue = string | number;

/**
 * A Lua script in ./scripts (`<name>-<key count>.lua`) with its keys and arguments named in
 * the order the script reads them, and the type of its reply.
 */
export interface RedisScript<K extends Names, A extends Names, R> {
  readonly name: string;
  readonly keys: K;
  readonly args: A;
  /** Never set: carries the reply type to RedisScripts.run. */
  readonly reply?: R;
}

export type AnyScript = RedisScript<Names, Names, unknown>;
export type ScriptKeys<S> = S extends RedisScript<infer K, Names, unknown> ? Record<K[number], string> : never;
export type ScriptArgs<S> = S extends RedisScript<Names, infer A, unknown> ? Record<A[number], ScriptValue> : never;
export type ScriptReply<S> = S extends RedisScript<Names, Names, infer R> ? R : never;

/** `defineScript<Reply>()('name', ['key', …], ['arg', …])`: the reply type first, the names inferred. */
export function defineScript<R>() {
  return <const K extends Names, const A extends Names>(name: string, keys: K, args: A): RedisScript<K, A, R> => ({
    name,
    keys,
    args,
  });
}
