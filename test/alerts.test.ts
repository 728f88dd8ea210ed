// Alerts: one open alert per kind and target however often it is raised, resolution when the
// condition clears, acknowledgement with history, the alerts query and the live subscription.
import type { Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgeAlert, getAlert, listAlerts, raiseAlert, resolveAlertsExcept, type Alert } from '../src/services/engine/alerts.ts';
import { InvalidInputError, NotFoundError } from '../src/services/errors.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { subscribeWs, wsClient, type Subscription } from './support/subscriptions.ts';
import { nextEvent } from './support/wait.ts';

const db = useTestDatabase();
const supervisor = { actor: 'supervisor' };
const operator = { actor: 'otto', reason: 'looking into it' };

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const stuck = (kind: string, targetId: string) => ({
  kind,
  severity: 'warning' as const,
  targetType: 'job',
  targetId,
  message: `job ${targetId} made no progress`,
  details: { forMs: 600_000 },
});

const alertHistory = async (id: number) =>
  (await listHistory(db().services.db, { targetType: 'alert', targetId: String(id) }, { first: 20 })).entries;

describe('raising', () => {
  it('opens one alert per kind and target: raising it again only bumps its last-seen time', async () => {
    const kind = unique('stuck');
    const raised: unknown[] = [];
    const unsubscribe = db().services.bus.subscribe('alert:raised', ({ alert }) => alert.kind === kind && raised.push(alert));
    try {
      const heard = nextEvent<{ alert: { kind: string } }>((l) => db().services.bus.subscribe('alert:raised', l), ({ alert }) => alert.kind === kind);
      const first = await raiseAlert(db().services, stuck(kind, '17'), supervisor);
      expect(first.created).toBe(true);
      expect(first.alert).toMatchObject({ kind, severity: 'warning', targetType: 'job', targetId: '17', details: { forMs: 600_000 }, resolvedAt: null, acknowledgedAt: null });
      await heard;

      const again = await raiseAlert(db().services, { ...stuck(kind, '17'), message: 'seen on the next tick' }, supervisor);
      expect(again.created).toBe(false);
      expect(again.alert.id).toBe(first.alert.id);
      expect(again.alert.message).toBe(first.alert.message);
      expect(again.alert.lastSeenAt.getTime()).toBeGreaterThanOrEqual(first.alert.lastSeenAt.getTime());
      expect(again.alert.raisedAt).toEqual(first.alert.raisedAt);

      const { alerts } = await listAlerts(db().services.db, { open: true, kind, first: 10 });
      expect(alerts.map((a) => a.id)).toEqual([first.alert.id]);
      expect((await alertHistory(first.alert.id)).map((e) => e.operation)).toEqual(['raise']);
      // A marker event published after the second raise: had it published, it would have come first.
      const marker = nextEvent<{ alert: { kind: string } }>((l) => db().services.bus.subscribe('alert:raised', l), ({ alert }) => alert.kind === `${kind}-marker`);
      await raiseAlert(db().services, stuck(`${kind}-marker`, '1'), supervisor);
      await marker;
      expect(raised).toHaveLength(1);
    } finally {
      unsubscribe();
    }
  });

  it('keeps one open alert when the same alert is raised concurrently', async () => {
    const kind = unique('stuck-race');
    const results = await Promise.all(Array.from({ length: 6 }, () => raiseAlert(db().services, stuck(kind, '99'), supervisor)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
    expect((await listAlerts(db().services.db, { open: true, kind, first: 10 })).alerts).toHaveLength(1);
  });

  it('refuses bad input, naming the field', async () => {
    await expect(raiseAlert(db().services, { ...stuck('x', '1'), severity: 'apocalyptic' as never }, supervisor)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: 'severity' }],
    });
    await expect(raiseAlert(db().services, { ...stuck('x', '1'), message: '' }, supervisor)).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('resolving', () => {
  it('resolves the open alerts of the kind whose target is no longer bad, and only those', async () => {
    const kind = unique('stuck');
    const otherKind = unique('other');
    const raisedAlerts: Alert[] = [];
    for (const id of ['1', '2', '3']) raisedAlerts.push((await raiseAlert(db().services, stuck(kind, id), supervisor)).alert);
    const [a, b, c] = raisedAlerts;
    const unrelated = (await raiseAlert(db().services, stuck(otherKind, '1'), supervisor)).alert;

    const resolved = await resolveAlertsExcept(db().services, kind, [{ targetType: 'job', targetId: '2' }], supervisor);
    expect(resolved.map((alert) => alert.id)).toEqual([a!.id, c!.id]);
    expect(resolved.every((alert) => alert.resolvedAt !== null)).toBe(true);
    expect((await listAlerts(db().services.db, { open: true, kind, first: 10 })).alerts.map((x) => x.id)).toEqual([b!.id]);
    expect((await listAlerts(db().services.db, { open: false, kind, first: 10 })).alerts.map((x) => x.id)).toEqual([c!.id, a!.id]);
    expect((await getAlert(db().services.db, unrelated.id)).resolvedAt).toBeNull();
    expect((await alertHistory(a!.id)).map((e) => e.operation)).toEqual(['resolve', 'raise']);

    // Nothing more to resolve; a target that goes bad again opens a new alert.
    expect(await resolveAlertsExcept(db().services, kind, [{ targetType: 'job', targetId: '2' }], supervisor)).toEqual([]);
    const reopened = await raiseAlert(db().services, stuck(kind, '1'), supervisor);
    expect(reopened.created).toBe(true);
    expect(reopened.alert.id).not.toBe(a!.id);

    // No target still bad: all of the kind resolve.
    expect((await resolveAlertsExcept(db().services, kind, [], supervisor)).map((x) => x.id).sort((x, y) => x - y)).toEqual([b!.id, reopened.alert.id]);
    expect((await listAlerts(db().services.db, { open: true, kind, first: 10 })).alerts).toEqual([]);
  });
});

describe('acknowledging', () => {
  it('records who acknowledged and why, in the history; the alert stays open', async () => {
    const { alert } = await raiseAlert(db().services, stuck(unique('stuck'), '5'), supervisor);
    const acked = await acknowledgeAlert(db().services, alert.id, operator);
    expect(acked).toMatchObject({ id: alert.id, acknowledgedBy: 'otto', resolvedAt: null });
    expect(acked.acknowledgedAt).toBeInstanceOf(Date);
    const [entry] = await alertHistory(alert.id);
    expect(entry).toMatchObject({ actor: 'otto', operation: 'acknowledge', reason: 'looking into it', targetType: 'alert', targetId: String(alert.id) });

    // Again: nothing changes, nothing recorded.
    const again = await acknowledgeAlert(db().services, alert.id, { actor: 'someone-else' });
    expect(again.acknowledgedBy).toBe('otto');
    expect((await alertHistory(alert.id)).map((e) => e.operation)).toEqual(['acknowledge', 'raise']);
  });

  it('is NotFoundError for an alert that does not exist', async () => {
    await expect(acknowledgeAlert(db().services, 987_654_321, operator)).rejects.toBeInstanceOf(NotFoundError);
    await expect(acknowledgeAlert(db().services, 987_654_321, operator)).rejects.toMatchObject({ targetType: 'alert', targetId: '987654321' });
  });
});

describe('listing', () => {
  it('pages newest first by keyset', async () => {
    const kind = unique('paged');
    const ids: number[] = [];
    for (const target of ['a', 'b', 'c', 'd', 'e']) ids.push((await raiseAlert(db().services, stuck(kind, target), supervisor)).alert.id);
    const first = await listAlerts(db().services.db, { kind, first: 2 });
    expect(first.alerts.map((a) => a.id)).toEqual([ids[4], ids[3]]);
    const second = await listAlerts(db().services.db, { kind, first: 2, before: first.nextCursor });
    expect(second.alerts.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    const third = await listAlerts(db().services.db, { kind, first: 2, before: second.nextCursor });
    expect(third).toEqual({ alerts: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });
});

describe('the API', () => {
  const { server, gql } = useLocalApi(db);
  let clients: Client[] = [];
  let subscriptions: Subscription<unknown>[] = [];

  afterEach(async () => {
    for (const subscription of subscriptions) subscription.stop();
    await Promise.all(clients.map((client) => client.dispose()));
    clients = [];
    subscriptions = [];
  });


  it('lists alerts with a filter, and acknowledges one (typed errors as data)', async () => {
    const kind = unique('api-stuck');
    const { alert } = await raiseAlert(db().services, { ...stuck(kind, '7'), severity: 'critical' }, supervisor);
    const LIST = `query L($kind: String) { alerts(first: 5, filter: { kind: $kind, open: true }) { edges { node { id kind severity targetType targetId message details open acknowledgedBy } } pageInfo { hasNextPage } } }`;
    const listed = (await gql(LIST, { kind })).alerts;
    expect(listed.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: String(alert.id), kind, severity: 'critical', targetType: 'job', targetId: '7', message: alert.message, details: { forMs: 600_000 }, open: true, acknowledgedBy: null },
    ]);

    const ACK = `mutation A($id: ID!) { acknowledgeAlert(id: $id, reason: "on it") { __typename ... on Alert { id acknowledgedBy open } ... on Error { code } ... on NotFoundError { targetType targetId } ... on InvalidInputError { issues { path } } } }`;
    expect((await gql(ACK, { id: String(alert.id) })).acknowledgeAlert).toEqual({ __typename: 'Alert', id: String(alert.id), acknowledgedBy: 'local', open: true });
    expect((await alertHistory(alert.id))[0]).toMatchObject({ actor: 'local', operation: 'acknowledge', reason: 'on it' });
    expect((await gql(ACK, { id: '987654321' })).acknowledgeAlert).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', targetType: 'alert', targetId: '987654321' });
    expect((await gql(ACK, { id: 'nope' })).acknowledgeAlert).toEqual({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', issues: [{ path: 'id' }] });
  });

  it('the alerts subscription yields the open alerts first, then each alert raised, acknowledged or resolved', async () => {
    const kind = unique('live');
    const open = (await raiseAlert(db().services, stuck(kind, '1'), supervisor)).alert;
    const gone = (await raiseAlert(db().services, stuck(kind, '2'), supervisor)).alert;
    await resolveAlertsExcept(db().services, kind, [{ targetType: 'job', targetId: '1' }], supervisor);

    const client = wsClient(server().url);
    clients.push(client);
    type View = { id: string; targetId: string; open: boolean; acknowledgedBy: string | null };
    const subscription = subscribeWs<{ alerts: View[] }>(client, `subscription S($kind: String) { alerts(kind: $kind) { id targetId open acknowledgedBy } }`, { kind });
    subscriptions.push(subscription);
    const { feed } = subscription;

    // The current state: only the open alert, not the resolved one.
    expect((await feed.nextData()).alerts).toEqual([{ id: String(open.id), targetId: '1', open: true, acknowledgedBy: null }]);
    expect(gone.id).not.toBe(open.id);

    // An alert of another kind is not for this subscription; a new one of this kind is.
    await raiseAlert(db().services, stuck(`${kind}-other`, '1'), supervisor);
    const fresh = (await raiseAlert(db().services, stuck(kind, '3'), supervisor)).alert;
    expect((await feed.nextData()).alerts).toEqual([{ id: String(fresh.id), targetId: '3', open: true, acknowledgedBy: null }]);

    // Raised again while open: no message. Acknowledged: a message.
    await raiseAlert(db().services, stuck(kind, '3'), supervisor);
    await acknowledgeAlert(db().services, open.id, operator);
    expect((await feed.nextData()).alerts).toEqual([{ id: String(open.id), targetId: '1', open: true, acknowledgedBy: 'otto' }]);

    // Resolved: a message showing it closed.
    await resolveAlertsExcept(db().services, kind, [{ targetType: 'job', targetId: '1' }], supervisor);
    expect((await feed.nextData()).alerts).toEqual([{ id: String(fresh.id), targetId: '3', open: false, acknowledgedBy: null }]);
    expect(feed.messages.every((m) => !m.errors)).toBe(true);
  });
});
