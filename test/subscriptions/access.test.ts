// Who may subscribe, and the errors a subscription reports: an expected error keeps its message
// and code over graphql-ws; once keys exist, a connection needs a valid one.
import { describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/services/engine/apiKeys.ts';
import { useTestDatabase } from '../support/db.ts';
import { by, useSubscriptionApi } from '../support/subscriptionApi.ts';

const db = useTestDatabase();
const { url, bus, client, ws, sse } = useSubscriptionApi(db);

describe('errors over graphql-ws', () => {
  it('keep the message and code of an expected error', async () => {
    const { feed } = ws(/* GraphQL */ `subscription { jobs(first: 1000) { snapshot } }`);
    const message = await feed.next();
    expect(message.data ?? null).toBeNull();
    expect(message.errors).toMatchObject([{ message: 'first must be 0 to 500', extensions: { code: 'INVALID_INPUT' } }]);
  });
});

describe('authorisation', () => {
  it('refuses graphql-ws connections without a valid key once keys exist; a viewer key subscribes', async () => {
    const { services } = db();
    const { key } = await createApiKey(services, { name: 'sub-viewer', role: 'viewer' }, by);
    try {
      const GOVERNORS = /* GraphQL */ `subscription { governors { name } }`;
      for (const authorization of [undefined, 'Bearer prk_not-a-key', key]) {
        const { feed } = ws(GOVERNORS, {}, client(url(), authorization));
        await feed.ended();
        expect(feed.messages).toEqual([]);
        expect((feed.error as { code?: number }).code).toBe(4403);
      }

      const { feed } = ws<{ governors: { name: string }[] }>(GOVERNORS, {}, client(url(), `Bearer ${key}`));
      expect(Array.isArray((await feed.nextData()).governors)).toBe(true);

      // SSE without a key: an error, no data, and no listener left behind.
      const refused = sse(GOVERNORS);
      const message = await refused.feed.next();
      expect(message.data ?? null).toBeNull();
      expect(message.errors).toMatchObject([{ message: expect.stringMatching(/^an API key is required/), extensions: { code: 'UNAUTHENTICATED' } }]);
      const viewer = sse<{ governors: { name: string }[] }>(GOVERNORS, {}, { authorization: `Bearer ${key}` });
      expect(Array.isArray((await viewer.feed.nextData()).governors)).toBe(true);
      expect(bus().listeners('governor:updated')).toBe(2);
    } finally {
      await revokeApiKey(services, 'sub-viewer', by);
    }
  });
});
