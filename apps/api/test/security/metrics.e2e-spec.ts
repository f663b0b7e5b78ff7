import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../../bench/src/free-port.js';
import { useTestApps } from '../support/api-context.js';
import { httpClient } from '../support/test-app.js';

const startApp = useTestApps();

/** An address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

// Each case starts a node of its own: time for an embedded database's migrations.
describe('METRICS_PORT', () => {
  it('serves /metrics only on its own loopback listener, and 404 on the main port', async () => {
    const metricsPort = await freePort();
    const sut = await startApp({ METRICS_PORT: String(metricsPort) });

    const main = await httpClient(sut.baseUrl).get('/metrics');
    expect(main.status).toBe(404);
    expect(main.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^parley_process_cpu_user_seconds_total /m);
    // Nothing else is served there.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);
  }, 60_000);

  it.skipIf(!externalAddress())(
    'is not reachable on the other addresses of the machine',
    async () => {
      const address = externalAddress()!;
      const metricsPort = await freePort();
      await startApp({ METRICS_PORT: String(metricsPort) });
      await expect(fetch(`http://${address}:${metricsPort}/metrics`)).rejects.toThrow();
    },
    60_000,
  );

  it.skipIf(!externalAddress())(
    'with METRICS_HOST=0.0.0.0, is reachable on the other addresses (a private network)',
    async () => {
      const address = externalAddress()!;
      const metricsPort = await freePort();
      await startApp({
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '0.0.0.0',
      });
      expect((await fetch(`http://${address}:${metricsPort}/metrics`)).status).toBe(200);
    },
    60_000,
  );

  it('without it, /metrics stays on the main port', async () => {
    const sut = await startApp();
    expect((await httpClient(sut.baseUrl).get('/metrics')).status).toBe(200);
  }, 60_000);
});
