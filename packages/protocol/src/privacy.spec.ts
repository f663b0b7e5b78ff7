import { describe, expect, it } from 'vitest';
import { conversationListQuerySchema } from './conversations.js';
import { privacySettingsPatchSchema } from './privacy.js';

describe('privacySettingsPatchSchema', () => {
  it('takes any subset of the settings', () => {
    expect(privacySettingsPatchSchema.parse({})).toEqual({});
    expect(
      privacySettingsPatchSchema.parse({ presence: 'nobody', directMessages: 'requests' }),
    ).toEqual({ presence: 'nobody', directMessages: 'requests' });
  });

  it('refuses unknown values and unknown or misspelt settings', () => {
    for (const body of [
      { presence: 'friends' },
      { directMessages: 'contacts' },
      { groupAdds: 'nobody' },
      { presense: 'nobody' },
      null,
      [],
    ]) {
      expect(privacySettingsPatchSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });
});

describe('conversationListQuerySchema requests', () => {
  it('is false unless the query says requests=true', () => {
    expect(conversationListQuerySchema.parse({}).requests).toBe(false);
    expect(conversationListQuerySchema.parse({ requests: 'true' }).requests).toBe(true);
    expect(conversationListQuerySchema.parse({ requests: 'false' }).requests).toBe(false);
    expect(conversationListQuerySchema.safeParse({ requests: '1' }).success).toBe(false);
  });
});
