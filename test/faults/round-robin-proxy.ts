import { once } from 'node:events';
import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';

export interface ProxyStats {
  requests: number;
  /** Attempts that found a backend refusing connections and went on to the next one. */
  refusedSkips: number;
  /** 502s: every backend refused. */
  noBackend: number;
  /** Exchanges cut after they reached a backend (it died, or its socket was reset). */
  cut: number;
}

/**
 * The load balancer in front of the coordinators: each HTTP request goes to the next backend
 * in turn; one that refuses the connection is skipped (the request never reached it, so
 * sending it elsewhere is safe). Anything that fails after the request went out is not
 * retried: the client sees the failure, as behind a real balancer. Responses are streamed
 * (a blocked wait sends progress over SSE), and a client that goes away closes the upstream
 * exchange, so the coordinator sees the disconnect. Loopback only.
 */
export class RoundRobinProxy {
  readonly stats: ProxyStats = { requests: 0, refusedSkips: 0, noBackend: 0, cut: 0 };
  private next = 0;
  // Keep-alive to the backends; a dead backend's sockets close and leave the pool.
  private readonly agent = new Agent({ keepAlive: true });

  private readonly server: Server;
  private readonly backends: number[];

  private constructor(server: Server, backends: number[]) {
    this.server = server;
    this.backends = backends;
  }

  static async start(backendPorts: number[]): Promise<RoundRobinProxy> {
    const server = createServer();
    const proxy = new RoundRobinProxy(server, backendPorts);
    server.on('request', (req, res) => proxy.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get url(): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => this.forward(req, res, Buffer.concat(chunks), this.next++, 0));
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, turn: number, tried: number): void {
    if (tried === this.backends.length) {
      this.stats.noBackend++;
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no coordinator accepts connections');
      return;
    }
    const port = this.backends[turn % this.backends.length];
    const upstream = request({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: this.agent,
    });
    let answered = false;
    upstream.on('response', (reply) => {
      answered = true;
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
      reply.on('error', () => res.destroy());
      reply.on('aborted', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && !answered) {
        this.stats.refusedSkips++;
        this.forward(req, res, body, turn + 1, tried + 1);
        return;
      }
      if (clientGone) {
        return;
      }
      this.stats.cut++;
      if (res.headersSent) {
        res.destroy();
      } else {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`coordinator connection failed: ${error.message}`);
      }
    });
    // The client went away (an aborted wait): end the exchange so the coordinator sees it too.
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
      }
    });
    upstream.end(body);
  }
}
