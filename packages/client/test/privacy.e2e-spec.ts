import { describe, expect, it } from 'vitest';
import { ParleyApiError } from '../src/index.js';
import { signUp, useApi } from './support/parley-clients.js';

const app = useApi();

describe('privacy settings and message requests', () => {
  it('reads and changes the settings', async () => {
    const alice = await signUp(app.baseUrl, 'alice');

    const before = await alice.http.getPrivacy();
    const after = await alice.http.updatePrivacy({ presence: 'contacts' });

    expect(before).toEqual({
      presence: 'everyone',
      directMessages: 'everyone',
      groupAdds: 'everyone',
    });
    expect(after).toEqual({ ...before, presence: 'contacts' });
    await expect(alice.http.updatePrivacy({ presence: 'friends' } as never)).rejects.toMatchObject({
      status: 400,
    });
  });

  it('lists, accepts and declines message requests', async () => {
    const receiver = await signUp(app.baseUrl, 'receiver');
    const [first, second] = [
      await signUp(app.baseUrl, 'first'),
      await signUp(app.baseUrl, 'second'),
    ];
    await receiver.http.updatePrivacy({ directMessages: 'requests' });
    const receiverId = (await receiver.http.me()).id;
    const one = await first.http.createConversation({ type: 'direct', memberId: receiverId });
    const two = await second.http.createConversation({ type: 'direct', memberId: receiverId });

    const requests = await receiver.http.listConversations({ requests: true });
    const accepted = await receiver.http.acceptRequest(one.id);
    await receiver.http.declineRequest(two.id);

    expect(requests.conversations.map((conversation) => conversation.id).sort()).toEqual(
      [one.id, two.id].sort(),
    );
    expect(accepted.request).toBe(false);
    const listed = await receiver.http.listConversations();
    expect(listed.conversations.map((conversation) => conversation.id)).toEqual([one.id]);
    expect((await receiver.http.listConversations({ requests: true })).conversations).toEqual([]);
    await expect(receiver.http.getConversation(two.id)).rejects.toBeInstanceOf(ParleyApiError);
  });
});
