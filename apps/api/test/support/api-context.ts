import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  connect,
  createDirect,
  createGroup,
  registerUser,
  type ConnectedClient,
  type Session,
} from './chat-client.js';
import { httpClient, startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export type Http = ReturnType<typeof httpClient>;

/** A tuple of `N` sessions, so `const [alice, bob] = await users(2)` needs no `!`. */
export type Sessions<N extends number, T extends Session[] = []> = T['length'] extends N
  ? T
  : Sessions<N, [...T, Session]>;

export interface OnlineOptions {
  /** Another node than the suite's own. */
  baseUrl?: string;
  extraHeaders?: Record<string, string>;
}

/**
 * Connects sockets for a suite and closes every one after each test: the one registry of open
 * sockets, in the manner of the redis adapter's `setup()` cleanup and the SDK suite's
 * `openClients`. `defaultBaseUrl` is read when a test connects, after the node has started.
 */
export function useSockets(defaultBaseUrl?: () => string) {
  const clients: ConnectedClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.close();
  });

  /**
   * A socket connected as `who`: a session, a bare access token, or none (to test refusals).
   * Rejects with the `connect_error` of a refused handshake.
   */
  async function online(
    who: Session | string | undefined,
    options: OnlineOptions = {},
  ): Promise<ConnectedClient> {
    const token = typeof who === 'object' ? who.accessToken : who;
    const baseUrl = options.baseUrl ?? defaultBaseUrl?.();
    if (!baseUrl) throw new Error('online: no node to connect to');
    const client = await connect(baseUrl, token, options);
    clients.push(client);
    return client;
  }

  return { online };
}

/**
 * One API node for the suite (or the `describe` it is called in): started before its tests,
 * closed after them, with the sockets each test opens closed after that test. Call it at the top
 * level of the suite or a `describe`; read `app` and `baseUrl` inside tests and hooks, as they
 * exist only once the node is up. `http`, `online` and the fixture helpers may be taken at once.
 * `options` may be a function, read when the node starts (e.g. a folder an earlier hook made).
 */
export function useTestApp(
  environment: Record<string, string> = {},
  options: TestAppOptions | (() => TestAppOptions) = {},
) {
  let started: TestApp | undefined;
  const running = (): TestApp => {
    if (!started) throw new Error('the test app starts in beforeAll: read it inside a test');
    return started;
  };
  beforeAll(async () => {
    started = await startTestApp(environment, typeof options === 'function' ? options() : options);
  });
  afterAll(() => started?.close());

  const http = httpClient(() => running().baseUrl);
  const { online } = useSockets(() => running().baseUrl);

  return {
    get app(): TestApp['app'] {
      return running().app;
    },
    get baseUrl(): string {
      return running().baseUrl;
    },
    http,
    online,
    registerUser: (displayName?: string) => registerUser(http, displayName),
    /** Registers `count` fresh users at once. */
    users: <N extends number>(count: N) =>
      Promise.all(Array.from({ length: count }, () => registerUser(http))) as Promise<Sessions<N>>,
    createDirect: (session: Session, other: Session) => createDirect(http, session, other),
    createGroup: (owner: Session, members: Session[], name?: string) =>
      createGroup(http, owner, members, name),
  };
}

/**
 * For suites whose every test starts its own node with its own settings: `start` (as
 * `startTestApp`) registers the node, closed after that test.
 */
export function useTestApps() {
  const started: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.close()));
  });
  return async function start(
    environment: Record<string, string> = {},
    options: TestAppOptions = {},
  ): Promise<TestApp> {
    const app = await startTestApp(environment, options);
    started.push(app);
    return app;
  };
}
