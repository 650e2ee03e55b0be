import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { Coordinator, startCoordinator } from './support/coordinator.js';

/** A GET with one header of `bytes` bytes, sent by hand: past Node's limit the parser answers, not the app. */
function getWithHeader(url: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      `${url}/api/pending`,
      { headers: { 'X-Agent-ID': 'big-header', 'X-Padding': 'p'.repeat(bytes) } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

describe('HTTP size limits', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    // The smallest C3PO_MAX_MESSAGE_BYTES: a JSON body limit of 4 × 1 KiB + 16 KiB = 20 KiB.
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '1024' });
    api = request(coordinator.url);
    await api.post('/api/agents/register').set('X-Agent-ID', 'target').expect(200);
  });

  afterAll(() => coordinator.close());

  it.each(['/api/requests', '/mcp'])('answers a JSON body over the limit on %s with 413 and no stack', async (path) => {
    const response = await api
      .post(path)
      .set('X-Agent-ID', 'big-body')
      .set('Accept', 'application/json, text/event-stream')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ target: 'target', message: 'm'.repeat(30 * 1024) }))
      .expect(413);
    expect(response.body).toEqual({ statusCode: 413, message: 'request entity too large' });
    expect(response.text).not.toMatch(/\bat |node_modules|\.js:\d+/);
  });

  it('answers a 20 KB header with 431', async () => {
    const response = await getWithHeader(coordinator.url, 20 * 1024);
    expect(response.status).toBe(431);
  });

  it('stays healthy after both', async () => {
    await api.get('/api/health/live').expect(200);
    await api.get('/api/health').expect(200);
    const sent = await api
      .post('/api/requests')
      .set('X-Agent-ID', 'big-body')
      .send({ target: 'target', message: 'still here' })
      .expect(201);
    expect(sent.body.status).toBe('queued');
  });
});
