import { ParleySocketError, type ParleyClient } from '@parley/client';
import type { Message } from '@parley/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useRejectedSendsStore } from '../stores/rejected-sends-store';
import { retryRejected, sendMessage } from './send-message';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function fakeClient(send: (conversationId: string, content: string) => Promise<Message>) {
  return { send: vi.fn(send) } as unknown as ParleyClient & { send: ReturnType<typeof vi.fn> };
}

describe('sendMessage', () => {
  beforeEach(() => useRejectedSendsStore.getState().clear());

  it('keeps a message the server refused for good, to show it with Retry', async () => {
    const client = fakeClient(() =>
      Promise.reject(new ParleySocketError('NOT_FOUND', 'conversation not found')),
    );
    sendMessage(client, 'c1', 'hello');
    await flush();
    expect(useRejectedSendsStore.getState().entries).toMatchObject([
      { conversationId: 'c1', content: 'hello', error: 'Conversation not found' },
    ]);
  });

  it('leaves passing failures to the outbox, which keeps them as failed', async () => {
    const client = fakeClient(() => Promise.reject(new ParleySocketError('TIMEOUT', 'no answer')));
    sendMessage(client, 'c1', 'hello');
    await flush();
    expect(useRejectedSendsStore.getState().entries).toEqual([]);
  });

  it('retries a refused message as a new send and drops the old entry', async () => {
    const client = fakeClient(() =>
      Promise.reject(new ParleySocketError('FORBIDDEN', 'not allowed')),
    );
    sendMessage(client, 'c1', 'hello');
    await flush();
    const [entry] = useRejectedSendsStore.getState().entries;
    client.send.mockImplementationOnce(() => new Promise<Message>(() => undefined));
    retryRejected(client, entry!.localId);
    expect(client.send).toHaveBeenLastCalledWith('c1', 'hello', {});
    expect(useRejectedSendsStore.getState().entries).toEqual([]);
  });
});
