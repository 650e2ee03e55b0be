import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MCP_STRATEGY, McpStrategy } from '@rekog/mcp-nest';
import { AppModule } from './app.module.js';
import { AppConfig, loadConfig } from './config/app-config.js';
import { AppLogger } from './logging/app-logger.js';
import { readTlsFiles } from './security/tls-files.js';

/**
 * Builds a ready-to-listen coordinator: the Nest app with its logger and the MCP strategy
 * mounted. main.ts and the end-to-end tests share it, so tests exercise the real wiring.
 */
export async function createApp(options: { logs?: boolean } = {}): Promise<NestExpressApplication> {
  const logs = options.logs ?? true;
  // The server is made before the module's own AppConfig exists, so the TLS files are read from a
  // config loaded here; HTTPS when C3PO_TLS_CERT_FILE and C3PO_TLS_KEY_FILE are set.
  const httpsOptions = readTlsFiles(loadConfig());
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    logger: false,
    bufferLogs: logs,
    httpsOptions,
  });
  // Express's default 100 KB would refuse a send of a full-size message and context before any
  // size check could say which one to shorten; JSON escaping can double text of quotes or newlines.
  const maxText = app.get(AppConfig).C3PO_MAX_MESSAGE_BYTES;
  app.useBodyParser('json', { limit: 4 * maxText + 16 * 1024 });
  if (logs) {
    app.useLogger(new AppLogger(app.get(AppConfig).C3PO_LOG_FORMAT));
  }
  const mcp = app.get<McpStrategy>(MCP_STRATEGY);
  mcp.setHttpAdapter(app.getHttpAdapter());
  app.connectMicroservice({ strategy: mcp }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  return app;
}
