import { recordError } from '../support/stats.ts';
import { agentHeaders, BenchAgent, closeAgents, connectAgents, type Endpoint } from '../support/bench-agent.ts';
import { scrapeMetric } from '../support/metrics-scrape.ts';

/**
 * Context size when a full-size pair is refused: 64 KiB + 32 KiB of ASCII fits a 100 KiB body
 * limit (express's default) with the JSON-RPC envelope, and still dwarfs any preview.
 */
export const FALLBACK_CONTEXT_BYTES = 32 * 1024;

export interface LargeInboxObservers {
  rssMb(): number | null;
  redisUsedMemoryMb(): Promise<number | null>;
}

export interface LargeInboxOptions {
  /** Requests to queue for the one addressee. */
  requests: number;
  /** Size of each message and of each context, in bytes (C3PO_MAX_MESSAGE_BYTES: the largest allowed). */
  bytes: number;
  /** Agents sending at once during the fill, each one send at a time. */
  senders: number;
  /** Reads of each kind (two MCP page sizes, two /api/pending sizes), interleaved. */
  samples: number;
  observe: LargeInboxObservers;
}

export interface MemorySnapshot {
  rssMb: number | null;
  /** V8 heap in use (c3po_nodejs_heap_size_used_bytes), MB, when /metrics exports it. */
  heapUsedMb: number | null;
  /** Redis INFO used_memory, MB. */
  redisUsedMemoryMb: number | null;
}

/** One kind of read of the full inbox: its latencies and the size of each answer. */
export interface ReadSeries {
  what: string;
  limit: number;
  latencies: number[];
  /** Bytes of each response body as received (after any content decoding). */
  bytes: number[];
  /** Requests per answer, as seen on the last one. */
  returned: number | null;
  /** The inbox count the answers gave (total or count), as seen on the last one. */
  total: number | null;
}

export interface LargeInboxResult {
  requests: number;
  /** Bytes of each message. */
  bytes: number;
  /** Bytes of each context: `bytes`, unless a full-size send was refused (see fullSizeRefused). */
  contextBytes: number;
  /**
   * Why the coordinator refused a send of a full-size message and a full-size context, when it
   * did; the inbox is then filled with contexts of FALLBACK_CONTEXT_BYTES.
   */
  fullSizeRefused: string | null;
  fill: { senders: number; seconds: number; requestsPerSecond: number; payloadMbPerSecond: number };
  before: MemorySnapshot;
  filled: MemorySnapshot;
  afterReads: MemorySnapshot;
  /** Highest coordinator RSS seen while filling and reading (sampled every 100 ms), MB. */
  peakRssMb: number | null;
  mcpDefault: ReadSeries;
  mcpLimit100: ReadSeries;
  apiDefault: ReadSeries;
  apiLimit100: ReadSeries;
  errors: number;
  errorSamples: string[];
}

/**
 * One agent's inbox filled with `requests` requests of the largest size (message and context
 * each `bytes`), sent over MCP by `senders` agents at once, then read the ways an agent and its
 * hooks read it: get_pending_requests with the default page (20) and with limit 100, and
 * GET /api/pending with its default (20) and limit=100, `samples` of each, interleaved so that
 * drift hits all four alike.
 *
 * The default page is read from the start every time (the same 20, their leases renewed); the
 * limit-100 reads follow next_cursor through the inbox, starting over at its end, so they hand
 * out pages not handed out before. Every answer is checked: the inbox's full count, a full
 * page, texts cut to previews. The scenario leaves its requests in Redis: run it last.
 */
export async function measureLargeInbox(
  coordinator: Endpoint,
  tag: string,
  options: LargeInboxOptions,
): Promise<LargeInboxResult> {
  const url = coordinator.url;
  const ownerId = `${tag}-inbox-owner`;
  const counted = countingFetch();
  const owner = await BenchAgent.connect(coordinator, ownerId, { fetch: counted.fetch });
  const senders = await connectAgents(
    coordinator,
    Array.from({ length: options.senders }, (_, i) => `${tag}-inbox-sender-${i}`),
  );
  const series = (what: string, limit: number): ReadSeries => ({
    what,
    limit,
    latencies: [],
    bytes: [],
    returned: null,
    total: null,
  });
  const result: LargeInboxResult = {
    requests: options.requests,
    bytes: options.bytes,
    contextBytes: options.bytes,
    fullSizeRefused: null,
    fill: { senders: options.senders, seconds: 0, requestsPerSecond: 0, payloadMbPerSecond: 0 },
    before: await memory(url, options.observe),
    filled: { rssMb: null, heapUsedMb: null, redisUsedMemoryMb: null },
    afterReads: { rssMb: null, heapUsedMb: null, redisUsedMemoryMb: null },
    peakRssMb: null,
    mcpDefault: series('get_pending_requests', 20),
    mcpLimit100: series('get_pending_requests', 100),
    apiDefault: series('GET /api/pending', 20),
    apiLimit100: series('GET /api/pending', 100),
    errors: 0,
    errorSamples: [],
  };
  const fail = (error: unknown) => recordError(result, error);
  const peak = setInterval(() => {
    const rss = options.observe.rssMb();
    if (rss !== null && (result.peakRssMb === null || rss > result.peakRssMb)) {
      result.peakRssMb = rss;
    }
  }, 100);
  try {
    // A send to an agent that has never made a call is rejected: make the owner known.
    await owner.call('register_agent', { description: 'bench large-inbox owner' });

    // Fill. Each text different: identical sends from one sender to one target are retries.
    const text = (kind: string, n: number, bytes: number) => `${kind} ${n} `.padEnd(bytes, kind[0]);
    const send = (sender: BenchAgent, n: number) =>
      sender.call('send_request', {
        target: ownerId,
        message: text('message', n, result.bytes),
        context: text('context', n, result.contextBytes),
      });
    const fillStarted = performance.now();
    // The first send tells whether the coordinator takes a full-size pair at all (an HTTP body
    // limit below message + context refuses it before any tool code runs).
    let next = 1;
    try {
      await send(senders[0], 0);
    } catch (error) {
      if (/\b413\b/.test((error as Error).message)) {
        result.fullSizeRefused = (error as Error).message;
        result.contextBytes = Math.min(options.bytes, FALLBACK_CONTEXT_BYTES);
      } else {
        fail(error);
      }
      next = 0;
    }
    await Promise.all(
      senders.map(async (sender) => {
        while (next < options.requests) {
          const n = next++;
          try {
            const sent = await send(sender, n);
            if (sent.duplicate) {
              throw new Error(`send ${n} was taken for a retry of ${sent.request_id}`);
            }
          } catch (error) {
            fail(error);
          }
        }
      }),
    );
    const seconds = (performance.now() - fillStarted) / 1000;
    result.fill.seconds = Math.round(seconds * 10) / 10;
    result.fill.requestsPerSecond = Math.round(options.requests / seconds);
    const payload = options.requests * (result.bytes + result.contextBytes);
    result.fill.payloadMbPerSecond = Math.round((payload / 1048576 / seconds) * 10) / 10;
    result.filled = await memory(url, options.observe);

    // Reads.
    let cursor: string | undefined;
    const readMcp = async (into: ReadSeries, args: Record<string, unknown>, fullPage: boolean) => {
      counted.reset();
      const started = performance.now();
      const page = await owner.call('get_pending_requests', args);
      into.latencies.push(performance.now() - started);
      into.bytes.push(counted.bytes);
      check(into, page.requests, page.total, options, result.contextBytes, { fullPage, truncatedFlag: true });
      return page;
    };
    const readApi = async (into: ReadSeries, query: string) => {
      const started = performance.now();
      const response = await fetch(`${url}/api/pending${query}`, { headers: agentHeaders(coordinator, ownerId) });
      const body = await response.arrayBuffer();
      into.latencies.push(performance.now() - started);
      into.bytes.push(body.byteLength);
      if (!response.ok) {
        throw new Error(`GET /api/pending${query}: HTTP ${response.status}`);
      }
      const parsed = JSON.parse(Buffer.from(body).toString('utf8'));
      check(into, parsed.requests, parsed.count, options, result.contextBytes, {
        fullPage: true,
        truncatedFlag: false,
      });
    };
    for (let i = 0; i < options.samples; i++) {
      for (const read of [
        () => readMcp(result.mcpDefault, {}, true),
        async () => {
          const page = await readMcp(result.mcpLimit100, { limit: 100, ...(cursor && { cursor }) }, false);
          cursor = page.next_cursor ?? undefined;
        },
        () => readApi(result.apiDefault, ''),
        () => readApi(result.apiLimit100, '?limit=100'),
      ]) {
        try {
          await read();
        } catch (error) {
          fail(error);
        }
      }
    }
    result.afterReads = await memory(url, options.observe);
  } finally {
    clearInterval(peak);
    await closeAgents([owner, ...senders]);
  }
  return result;
}

/**
 * Throws unless an answer counts the full inbox and holds previews: a full page (`fullPage`),
 * or at least one request (the limit-100 walk's last page holds what is left).
 */
function check(
  into: ReadSeries,
  requests: Record<string, any>[] | undefined,
  total: number | undefined,
  options: LargeInboxOptions,
  contextBytes: number,
  expect: { fullPage: boolean; truncatedFlag: boolean },
): void {
  into.returned = requests?.length ?? null;
  into.total = total ?? null;
  const label = `${into.what} (limit ${into.limit})`;
  if (total !== options.requests) {
    throw new Error(`${label} counted ${total} requests, not ${options.requests}`);
  }
  const full = Math.min(into.limit, options.requests);
  if (!requests || requests.length === 0 || (expect.fullPage && requests.length !== full)) {
    throw new Error(`${label} returned ${requests?.length} requests, not ${full}`);
  }
  const first = requests[0];
  if (
    expect.truncatedFlag &&
    (first.truncated !== true || first.message_bytes !== options.bytes || first.context_bytes !== contextBytes)
  ) {
    throw new Error(`${label} returned ${JSON.stringify({ ...first, message: '…', context: '…' })}`);
  }
  if (typeof first.message !== 'string' || first.message.length >= options.bytes) {
    throw new Error(`${label} returned a whole message, not a preview`);
  }
}

async function memory(url: string, observe: LargeInboxObservers): Promise<MemorySnapshot> {
  const heap = await scrapeMetric(url, 'c3po_nodejs_heap_size_used_bytes');
  return {
    rssMb: observe.rssMb(),
    heapUsedMb: heap === null ? null : Math.round((heap / 1048576) * 10) / 10,
    redisUsedMemoryMb: await observe.redisUsedMemoryMb(),
  };
}

/**
 * A fetch for the MCP client that counts the body bytes of its POSTs' responses (a tool call is
 * one POST; an SSE answer is counted as its stream passes through, up to the result).
 */
function countingFetch(): { fetch: typeof fetch; bytes: number; reset(): void } {
  const counter = {
    bytes: 0,
    reset() {
      counter.bytes = 0;
    },
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if ((init?.method ?? 'GET') !== 'POST' || !response.body) {
        return response;
      }
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            counter.bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }) as typeof fetch,
  };
  return counter;
}
