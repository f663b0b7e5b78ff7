import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NIL_UUID, sendMessagePayloadSchema } from './socket.js';

describe('sendMessagePayloadSchema clientMsgId', () => {
  const payload = (clientMsgId: string) => ({
    conversationId: randomUUID(),
    content: 'hi',
    clientMsgId,
  });

  it('refuses the nil UUID', () => {
    const result = sendMessagePayloadSchema.safeParse(payload(NIL_UUID));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['clientMsgId']);
  });

  it('takes any other UUID, folding upper-case hex', () => {
    const id = randomUUID();
    expect(sendMessagePayloadSchema.parse(payload(id.toUpperCase())).clientMsgId).toBe(id);
    expect(
      sendMessagePayloadSchema.safeParse(payload('ffffffff-ffff-ffff-ffff-ffffffffffff')).success,
    ).toBe(true);
  });
});
