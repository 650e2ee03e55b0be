import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MCP_STRATEGY, McpStrategy } from '@rekog/mcp-nest';
import { AppModule } from './app.module.js';

/**
 * Builds a ready-to-listen coordinator: the Nest app with the MCP strategy mounted.
 * main.ts and the end-to-end tests share it, so tests exercise the real wiring.
 */
export async function createApp(options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    logger: options.logger,
    bufferLogs: options.logger !== false,
  });
  app.enableShutdownHooks();
  const mcp = app.get<McpStrategy>(MCP_STRATEGY);
  mcp.setHttpAdapter(app.getHttpAdapter());
  app.connectMicroservice({ strategy: mcp }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  return app;
}
