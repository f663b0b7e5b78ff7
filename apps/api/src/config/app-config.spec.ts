import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const secret = 'x'.repeat(32);

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const sut = loadConfig({ JWT_SECRET: secret });
    expect(sut).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      sendRateBurst: 60,
      sendRatePerSec: 5,
      authRatePerMin: 30,
      accessTokenTtlSec: 900,
      corsOrigins: [],
    });
  });

  it('names every bad variable', () => {
    const error = captureError(() =>
      loadConfig({ JWT_SECRET: secret, PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
    ]);
  });

  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('keeps a generated development secret in the data folder', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    const first = loadConfig({ PARLEY_DATA_DIR: dataDir });
    const second = loadConfig({ PARLEY_DATA_DIR: dataDir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(first.jwtSecret);
  });

  it('splits the CORS allowlist', () => {
    const sut = loadConfig({ JWT_SECRET: secret, CORS_ORIGIN: 'https://a.test, https://b.test' });
    expect(sut.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
  });

  it.each([
    [undefined, 0],
    ['1', 1],
    [
      '10.0.0.0/8, 127.0.0.1,loopback, fd00::/8',
      ['10.0.0.0/8', '127.0.0.1', 'loopback', 'fd00::/8'],
    ],
  ])('reads TRUST_PROXY %s as a hop count or a list of proxies', (value, expected) => {
    expect(loadConfig({ JWT_SECRET: secret, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['10.0.0.0/33', 'nginx', '10.0.0.1/8/1', '-1', '1.2.3'])(
    'refuses TRUST_PROXY %s',
    (value) => {
      expect(() => loadConfig({ JWT_SECRET: secret, TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );
  it('defaults the edge limits and leaves metrics on the main port', () => {
    expect(loadConfig({ JWT_SECRET: secret })).toMatchObject({
      maxSocketsPerUser: 20,
      readRateBurst: 300,
      readRatePerSec: 20,
      userSearchRatePerMin: 60,
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      handshakeRateBurst: 30,
      handshakeRatePerSec: 1,
    });
    expect(loadConfig({ JWT_SECRET: secret, METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(loadConfig({ JWT_SECRET: secret, METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });

  it('refuses a metrics port equal to the main port', () => {
    expect(() => loadConfig({ JWT_SECRET: secret, PORT: '9464', METRICS_PORT: '9464' })).toThrow(
      /METRICS_PORT/,
    );
  });

  it('refuses a socket cap or metrics port that is not a number in range', () => {
    const error = captureError(() =>
      loadConfig({ JWT_SECRET: secret, MAX_SOCKETS_PER_USER: '0', METRICS_PORT: '70000' }),
    ) as ConfigError;
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'MAX_SOCKETS_PER_USER',
      'METRICS_PORT',
    ]);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
