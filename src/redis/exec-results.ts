import type { ChainableCommander } from 'ioredis';

/** Runs a MULTI or pipeline and returns its replies, throwing the first command error. */
export async function execResults<T extends unknown[]>(commands: ChainableCommander): Promise<T> {
  const replies = (await commands.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) {
      throw error;
    }
    return value;
  }) as T;
}
