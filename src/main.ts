import 'reflect-metadata';
import { isIPv6 } from 'node:net';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';
import { AppLogger } from './logging/app-logger.js';
import { EmbeddedRedis, EmbeddedRedisError } from './redis/embedded-redis.js';
import { checkExposure } from './security/exposure.js';

/** Past this, a shutdown that is stuck gives up: orchestrators kill at 10 s or later anyway. */
const SHUTDOWN_LIMIT_MS = 9000;

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // Lines written before the app exists (the embedded Redis's) get the configured format too.
  Logger.overrideLogger(new AppLogger(config.C3PO_LOG_FORMAT));
  const logger = new Logger('C3PO');

  const exposure = checkExposure(config);
  if (exposure.verdict === 'refuse') {
    logger.error(exposure.message);
    process.exit(1);
  } else if (exposure.verdict === 'warn') {
    logger.warn(exposure.message);
  }

  let embedded: EmbeddedRedis | undefined;
  if (!config.REDIS_URL) {
    try {
      embedded = await EmbeddedRedis.start(config.C3PO_DATA_DIR);
    } catch (error) {
      logger.error(error instanceof EmbeddedRedisError ? error.message : String(error));
      process.exit(1);
    }
    // The app reads its settings from the environment (ConfigModule), this one included.
    process.env.REDIS_URL = embedded.url;
  }

  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp();
    await app.listen(config.C3PO_PORT, config.C3PO_HOST);
  } catch (error) {
    logger.error(`cannot start: ${(error as Error).message}`);
    await embedded?.stop();
    process.exit(1);
  }

  let shuttingDown = false;
  const shutDown = (reason: string, exitCode: number) => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    logger.log(`${reason}: ending blocked waits, closing connections`);
    setTimeout(() => {
      logger.error(`shutdown took over ${SHUTDOWN_LIMIT_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    // Redis stops after the app: its connections close first, so no call sees Redis vanish.
    app
      .close()
      .then(() => embedded?.stop())
      .then(
        () => process.exit(exitCode),
        (error: Error) => {
          logger.error(`shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
  };
  // Our own signal handling rather than enableShutdownHooks(): the process should end with
  // exit code 0 after a clean close, and within a bounded time when a close hangs.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => shutDown(signal, 0));
  }
  // Without its Redis the coordinator serves nothing; exiting lets a supervisor restart both.
  embedded?.onUnexpectedExit((reason) => {
    logger.error(`the embedded redis-server exited unexpectedly (${reason})`);
    shutDown('embedded Redis gone', 1);
  });
  const scheme = config.C3PO_TLS_CERT_FILE ? 'https' : 'http';
  const host = isIPv6(config.C3PO_HOST) ? `[${config.C3PO_HOST}]` : config.C3PO_HOST;
  logger.log(`coordinator listening on ${scheme}://${host}:${config.C3PO_PORT} (MCP at /mcp)`);
}

void bootstrap();
