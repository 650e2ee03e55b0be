/** Redis stores times as epoch milliseconds; the API speaks ISO 8601. */
export function isoFromMs(ms: string | number | undefined | null): string | null {
  if (ms === undefined || ms === null || ms === '') {
    return null;
  }
  return new Date(Number(ms)).toISOString();
}
