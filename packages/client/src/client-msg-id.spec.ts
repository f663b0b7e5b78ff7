import { uuidSchema } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newClientMsgId } from './client-msg-id.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('newClientMsgId', () => {
  it('makes distinct v4 UUIDs the server accepts', () => {
    const ids = Array.from({ length: 100 }, newClientMsgId);
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(uuidSchema.safeParse(id).success).toBe(true);
  });

  it('builds a v4 UUID from random bytes where crypto.randomUUID is missing', () => {
    const { getRandomValues } = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(globalThis.crypto) });
    const ids = Array.from({ length: 100 }, newClientMsgId);

    expect(new Set(ids).size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(uuidSchema.safeParse(id).success).toBe(true);
    }
  });
});
