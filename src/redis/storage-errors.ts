import { HttpException } from '@nestjs/common';

/**
 * Whether an error means Redis could not be reached or did not answer in time (as opposed to a
 * refusal the caller should see): ioredis's connection, retry and command-timeout errors.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof HttpException) {
    return false;
  }
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Command timed out|Connection is closed|ECONNREFUSED|Stream isn't writeable|ETIMEDOUT|ECONNRESET|LOADING/.test(
      error.message,
    )
  );
}
