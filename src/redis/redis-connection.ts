import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * Opens a connection that keeps retrying while Redis is away and says so in the log once per
 * outage, not once per attempt.
 */
export function connectRedis(url: string, role: string, onError: () => void = () => {}): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(url, {
    // One retry, then the command fails: callers get a 503 instead of hanging while Redis is down.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: `c3po-${role}`,
  });
  let reachable = true;
  redis.on('ready', () => {
    reachable = true;
    logger.log(`connected to ${redactedUrl(url)}`);
  });
  redis.on('error', (error: Error) => {
    onError();
    if (reachable) {
      reachable = false;
      logger.error(`cannot reach ${redactedUrl(url)}: ${error.message}; retrying every 2 s at most`);
    }
  });
  return redis;
}

function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
