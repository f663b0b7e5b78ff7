import { randomUUID } from 'node:crypto';
import type { AuthResponse, Conversation } from '@parley/protocol';
import pg from 'pg';
import type { MetricsSource } from './sampler.js';
import type { ServerKind, ServerProcess } from './stack.js';
import { mapConcurrent, sleep } from './util.js';

export interface BenchUser {
  id: string;
  username: string;
  /** Parley's access token; the baseline needs none. */
  accessToken?: string;
}

export interface BenchConversation {
  id: string;
  /** Indexes into {@link World.users}. */
  memberIndexes: number[];
}

/** The users and conversations of one scenario, shared by Parley and the baseline. */
export interface World {
  users: BenchUser[];
  conversations: BenchConversation[];
  /** Conversation ids of each user, by user index. */
  conversationsOfUser: string[][];
}

export function buildWorld(users: BenchUser[], conversations: BenchConversation[]): World {
  const conversationsOfUser = users.map((): string[] => []);
  for (const conversation of conversations) {
    for (const member of conversation.memberIndexes)
      conversationsOfUser[member]!.push(conversation.id);
  }
  return { users, conversations, conversationsOfUser };
}

/** What the load generator aims at: Parley nodes or baseline nodes, started here or not. */
export interface Target {
  kind: ServerKind;
  urls: string[];
  metrics: MetricsSource[];
  /** The nodes this bench started (empty in `--url` mode): they can be restarted. */
  nodes: ServerProcess[];
  handshakeAuth(world: World, userIndex: number): Record<string, unknown>;
  /**
   * How many rows the database holds for each of these client message ids; undefined when the
   * bench has no access to the database (`--url` without `--database-url`).
   */
  storedCounts(clientMsgIds: string[]): Promise<Map<string, number> | undefined>;
}

export function makeTarget(options: {
  kind: ServerKind;
  urls: string[];
  nodes: ServerProcess[];
  databaseUrl?: string;
}): Target {
  const { kind, databaseUrl } = options;
  const table = kind === 'parley' ? 'messages' : 'baseline_messages';
  return {
    kind,
    urls: options.urls,
    nodes: options.nodes,
    metrics: options.urls.map((url) => ({ url, prefix: `${kind}_` })),
    handshakeAuth: (world, userIndex) =>
      kind === 'parley'
        ? { token: world.users[userIndex]!.accessToken }
        : {
            userId: world.users[userIndex]!.id,
            conversationIds: world.conversationsOfUser[userIndex],
          },
    storedCounts: async (clientMsgIds) => {
      if (!databaseUrl) return undefined;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const counts = new Map<string, number>();
      try {
        for (let start = 0; start < clientMsgIds.length; start += 10_000) {
          const { rows } = await client.query<{ id: string; count: string }>(
            `select client_msg_id::text as id, count(*) as count from ${table}
             where client_msg_id = any($1::uuid[]) group by 1`,
            [clientMsgIds.slice(start, start + 10_000)],
          );
          for (const row of rows) counts.set(row.id, Number(row.count));
        }
      } finally {
        await client.end();
      }
      return counts;
    },
  };
}

const PASSWORD = 'bench-password-1';

async function postJson<T>(url: string, body: unknown, token?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (response.status === 429 && attempt < 10) {
      // Servers not started by the bench (--url) may keep their auth rate limit.
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    if (!response.ok) {
      throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
    }
    return (await response.json()) as T;
  }
}

/**
 * Registers `count` users over HTTP, spread over the nodes, a few at a time: registration hashes
 * the password with argon2id (~20 ms of CPU each).
 */
export async function registerUsers(
  urls: string[],
  prefix: string,
  count: number,
  concurrency = 8,
): Promise<BenchUser[]> {
  return mapConcurrent(
    Array.from({ length: count }, (_, index) => index),
    concurrency,
    async (index) => {
      const url = urls[index % urls.length]!;
      const answer = await postJson<AuthResponse>(`${url}/auth/register`, {
        username: `${prefix}${index}`,
        password: PASSWORD,
      });
      return {
        id: answer.user.id,
        username: answer.user.username,
        accessToken: answer.accessToken,
      };
    },
  );
}

/** What a scenario's conversations look like. */
export type WorldShape =
  | { type: 'direct'; count: number }
  | { type: 'group'; groupSize: number; count: number }
  | { type: 'none' };

/** Users (0,1), (2,3), ... of the first `count` direct pairs (every pair when `count` is 0). */
function directPairs(userCount: number, count: number): number[][] {
  const pairs: number[][] = [];
  const limit = count > 0 ? Math.min(count, Math.floor(userCount / 2)) : Math.floor(userCount / 2);
  for (let pair = 0; pair < limit; pair++) pairs.push([2 * pair, 2 * pair + 1]);
  return pairs;
}

/** Direct conversations of pairs (0,1), (2,3), ... or groups of `groupSize` consecutive users. */
export async function createConversations(
  urls: string[],
  users: BenchUser[],
  shape: Exclude<WorldShape, { type: 'none' }>,
  concurrency = 8,
): Promise<BenchConversation[]> {
  const memberSets: number[][] = [];
  if (shape.type === 'direct') {
    memberSets.push(...directPairs(users.length, shape.count));
  } else {
    for (let group = 0; group < shape.count; group++) {
      // Groups take consecutive users, wrapping around: with more groups than users / size,
      // users belong to several groups.
      memberSets.push(
        Array.from(
          { length: shape.groupSize },
          (_, k) => (group * shape.groupSize + k) % users.length,
        ),
      );
    }
  }
  return mapConcurrent(memberSets, concurrency, async (members, index) => {
    const [owner, ...others] = members.map((member) => users[member]!);
    const url = urls[index % urls.length]!;
    const body =
      shape.type === 'direct'
        ? { type: 'direct', memberId: others[0]!.id }
        : { type: 'group', name: `bench group ${index}`, memberIds: others.map((user) => user.id) };
    const conversation = await postJson<Conversation>(
      `${url}/conversations`,
      body,
      owner!.accessToken,
    );
    return { id: conversation.id, memberIndexes: members };
  });
}

/** The same shape for the baseline alone: ids only, nothing registered. */
export function syntheticWorld(userCount: number, shape: WorldShape): World {
  const users = Array.from({ length: userCount }, (_, index) => ({
    id: randomUUID(),
    username: `user${index}`,
  }));
  const conversations: BenchConversation[] = [];
  if (shape.type === 'direct') {
    for (const memberIndexes of directPairs(userCount, shape.count)) {
      conversations.push({ id: randomUUID(), memberIndexes });
    }
  } else if (shape.type === 'group') {
    for (let group = 0; group < shape.count; group++) {
      conversations.push({
        id: randomUUID(),
        memberIndexes: Array.from(
          { length: shape.groupSize },
          (_, k) => (group * shape.groupSize + k) % userCount,
        ),
      });
    }
  }
  return buildWorld(users, conversations);
}
