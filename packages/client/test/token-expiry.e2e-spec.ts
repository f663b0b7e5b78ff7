import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenPair } from '@parley/protocol';
import { describe, expect, it, vi } from 'vitest';
import { record, signUp, useApi } from './support/parley-clients.js';

const app = useApi({ ACCESS_TOKEN_TTL_SEC: '2' });

describe('with 2-second access tokens', () => {
  it('stays usable past expiry: refreshes, reconnects after auth:expired, and sends', async () => {
    const tokensSeen: (TokenPair | null)[] = [];
    const alice = await signUp(app.baseUrl, 'alice', {
      onTokens: (tokens) => tokensSeen.push(tokens),
    });
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await alice.http.createConversation({
      type: 'direct',
      memberId: bob.userId!,
    });
    await Promise.all([alice.connect(), bob.connect()]);
    const firstAccessToken = tokensSeen[0]!.accessToken;
    let authExpiredEvents = 0;
    alice.socket.on('auth:expired', () => authExpiredEvents++);
    const statuses = record(alice, 'status');
    const signedOut = record(alice, 'signedOut');
    const bobReceived = record(bob, 'message');

    await sleep(3000);
    const sent = await alice.send(conversation.id, 'after expiry');

    expect(sent).toMatchObject({ conversationId: conversation.id, content: 'after expiry' });
    await vi.waitFor(() => expect(bobReceived.map((message) => message.id)).toEqual([sent.id]));
    await expect(alice.http.getMessages(conversation.id)).resolves.toMatchObject({
      messages: [{ id: sent.id }],
    });
    expect(tokensSeen.length).toBeGreaterThan(1);
    expect(tokensSeen.at(-1)?.accessToken).not.toBe(firstAccessToken);
    expect(authExpiredEvents).toBeGreaterThan(0);
    // The app saw the reconnects only as status changes (the server drops a socket whenever its
    // token expires, so a reconnect may be under way right now), and was never signed out.
    expect(statuses.slice(0, 2)).toEqual(['reconnecting', 'connected']);
    expect(statuses.every((status) => status === 'reconnecting' || status === 'connected')).toBe(
      true,
    );
    expect(signedOut).toEqual([]);
  });
});
