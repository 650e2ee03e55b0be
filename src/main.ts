import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';

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
  await app.listen(config.C3PO_PORT, config.C3PO_HOST);
  new Logger('C3PO').log(`coordinator listening on http://${config.C3PO_HOST}:${config.C3PO_PORT} (MCP at /mcp)`);
}

void bootstrap();
