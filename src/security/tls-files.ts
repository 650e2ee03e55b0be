import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { AppConfig } from '../config/app-config.js';

/** A TLS file that cannot be used; main.ts reports it as a start error. */
export class TlsFilesError extends Error {}

/**
 * The certificate and key to serve HTTPS with, or undefined for plain HTTP. Both are read and
 * tried together here, so a bad pair stops the start with the variables' names rather than
 * with an OpenSSL code from deep inside the server.
 */
export function readTlsFiles(
  config: Pick<AppConfig, 'C3PO_TLS_CERT_FILE' | 'C3PO_TLS_KEY_FILE'>,
): { cert: Buffer; key: Buffer } | undefined {
  if (config.C3PO_TLS_CERT_FILE === '' && config.C3PO_TLS_KEY_FILE === '') {
    return undefined;
  }
  const cert = read('C3PO_TLS_CERT_FILE', config.C3PO_TLS_CERT_FILE);
  const key = read('C3PO_TLS_KEY_FILE', config.C3PO_TLS_KEY_FILE);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsFilesError(
      `C3PO_TLS_CERT_FILE (${config.C3PO_TLS_CERT_FILE}) and C3PO_TLS_KEY_FILE (${config.C3PO_TLS_KEY_FILE}) ` +
        `are not a PEM certificate and its private key: ${(error as Error).message}`,
    );
  }
  return { cert, key };
}

function read(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsFilesError(
      `cannot read ${variable} (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
