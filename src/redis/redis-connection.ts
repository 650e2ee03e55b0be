import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

export interface ConnectOptions {
  /**
   * Fail a command that got no answer after this long. Leave it unset on a subscriber: ioredis
   * would time out a SUBSCRIBE sent while Redis is away, and a subscribed connection runs no
   * other command that could hang a caller.
   */
  commandTimeoutMs?: number;
  /**
   * Log outages and recoveries. One connection per process speaks (the main one): several
   * connections to one Redis would say the same thing each.
   */
  logOutages?: boolean;
  /** Let ioredis subscribe again after a reconnect (its default); a subscriber that does so itself turns it off. */
  autoResubscribe?: boolean;
}

/**
 * Opens a connection that keeps retrying while Redis is away and, if asked to, says so in the
 * log once per outage and once on recovery, not once per attempt.
 */
export function connectRedis(
  url: string,
  role: string,
  onError: () => void = () => {},
  options: ConnectOptions = {},
): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(socketPathOf(url) ?? url, {
    // One retry, then the command fails: callers get a 503 instead of hanging while Redis is down.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: `c3po-${role}`,
    commandTimeout: options.commandTimeoutMs,
    autoResubscribe: options.autoResubscribe ?? true,
  });
  let connected = false;
  let lostAt: number | undefined;
  redis.on('ready', () => {
    if (!connected) {
      connected = true;
      if (options.logOutages) {
        logger.log(`connected to ${redactedUrl(url)}`);
      }
    } else if (lostAt !== undefined && options.logOutages) {
      logger.log(
        `Redis at ${redactedUrl(url)} is reachable again after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`,
      );
    }
    lostAt = undefined;
  });
  const markLost = (reason: string) => {
    if (lostAt === undefined) {
      lostAt = Date.now();
      if (options.logOutages) {
        logger.error(`cannot reach Redis at ${redactedUrl(url)}: ${reason}; retrying every 2 s at most`);
      }
    }
  };
  redis.on('error', (error: Error) => {
    onError();
    markLost(error.message);
  });
  // A Redis that closed the connection (a restart, SHUTDOWN) raises no error; a reconnect is due.
  redis.on('reconnecting', () => markLost('connection closed'));
  return redis;
}

/** ioredis takes a unix socket as a bare path; REDIS_URL spells it unix:///path. */
function socketPathOf(url: string): string | undefined {
  return url.startsWith('unix://') ? url.slice('unix://'.length) : undefined;
}

function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
