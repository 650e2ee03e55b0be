import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { callContext } from './call-context.js';

/**
 * Nest's console logger, one line per event, with the current call's ids (call_id, agent_id,
 * tool, request_id) attached to every line: as JSON fields with C3PO_LOG_FORMAT=json, as a
 * trailing {…} in text.
 */
export class AppLogger extends ConsoleLogger {
  constructor(format: 'text' | 'json') {
    super({ json: format === 'json', flattenParams: true, colors: format === 'text' && process.stdout.isTTY === true });
  }

  protected override getTimestamp(): string {
    return new Date().toISOString();
  }

  /** key=value pairs: cheaper than util.inspect, and what log tools parse. */
  protected override stringifyParams(params: Record<string, any>): string {
    return Object.entries(params)
      .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`)
      .join(' ');
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, any>,
  ): void {
    const call = callContext.getStore();
    super.printMessages(
      messages,
      context,
      logLevel,
      writeStreamType,
      errorStack,
      call ? { ...call, ...params } : params,
    );
  }
}
