import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';

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
  const app = await createApp();
  const logger = new Logger('C3PO');
  // Our own signal handling rather than enableShutdownHooks(): the process should end with
  // exit code 0 after a clean close, and within a bounded time when a close hangs.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: ending blocked waits, closing connections`);
      setTimeout(() => {
        logger.error(`shutdown took over ${SHUTDOWN_LIMIT_MS} ms; exiting anyway`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS).unref();
      app.close().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(`shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.C3PO_PORT, config.C3PO_HOST);
  logger.log(`coordinator listening on http://${config.C3PO_HOST}:${config.C3PO_PORT} (MCP at /mcp)`);
}

void bootstrap();
