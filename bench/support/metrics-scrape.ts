/**
 * Reads one sample from the coordinator's Prometheus endpoint, if it has one. Optional by
 * design: the bench must work against a coordinator without /metrics, so every caller
 * treats null as "not available" and falls back.
 */
export async function scrapeMetric(baseUrl: string, name: string): Promise<number | null> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) {
      return null;
    }
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(await response.text());
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
