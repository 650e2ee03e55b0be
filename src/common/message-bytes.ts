import { BadRequestException } from '@nestjs/common';

/**
 * Refuses a text longer than C3PO_MAX_MESSAGE_BYTES (`limit`), saying by how much and, in
 * `advice`, what to send instead.
 */
export function checkMessageBytes(field: string, value: string, limit: number, advice: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > limit) {
    throw new BadRequestException(
      `${field} is ${bytes} bytes, over the ${limit}-byte limit (C3PO_MAX_MESSAGE_BYTES): ${advice}`,
    );
  }
}
