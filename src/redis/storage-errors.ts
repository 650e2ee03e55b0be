/** What callers are told while Redis cannot serve them: the same words on REST and MCP. */
export const STORAGE_UNAVAILABLE_MESSAGE = 'storage unavailable, try again shortly';

/** Error codes of a socket that could not reach Redis or lost it. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT', // a unix socket whose server is gone
]);

/**
 * ioredis's own messages: commandTimeout ("Command timed out"), a connection closed or not yet
 * open, a socket timeout; and Redis's replies for a server that is up but cannot serve yet
 * (LOADING its AOF after a restart, BUSY in a long script, a cluster or replica without master).
 */
const UNAVAILABLE_MESSAGE =
  /^(Command timed out|Connection is closed|Stream isn't writeable|Socket timeout|connect ETIMEDOUT|LOADING |BUSY |CLUSTERDOWN |MASTERDOWN |TRYAGAIN )|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/;

/**
 * Whether `error` means Redis could not be reached or did not answer in time, rather than a bug
 * or a refused command: the caller should try again shortly, and a wait can report "unavailable"
 * instead of failing. Follows `cause` a few levels, for errors that wrap a Redis error.
 */
export function isStorageUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (
      current.name === 'MaxRetriesPerRequestError' ||
      (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
      UNAVAILABLE_MESSAGE.test(current.message)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
