/** Lua returns hashes as flat [field, value, …] arrays. */
export function fromFlat<T>(flat: string[]): T {
  const record: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    record[flat[i]] = flat[i + 1];
  }
  return record as T;
}
