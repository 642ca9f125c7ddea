import { describe, expect, it } from 'vitest';
import type { Sv2ClientInfo } from '../../api/sri-monitoring.js';
import { InstanceClients, InstanceRounds, instanceClientId } from './rounds.js';

const client = (id: number): Sv2ClientInfo =>
  ({
    client_id: id,
    client_kind: 'miner',
    extended_channels: [],
    standard_channels: [],
  }) as unknown as Sv2ClientInfo;

describe("the instances' SV2 clients as the primary shows them", () => {
  it('numbers connections uniquely across instances that each count from 1', () => {
    const ids = [0, 1, 2].flatMap((index) => [1, 2, 3].map((id) => instanceClientId(id, index, 3)));
    expect(new Set(ids).size).toBe(9);
  });

  it('asks every instance when read, and lists what each answered', async () => {
    const asked: Array<[number, number]> = [];
    const clients = new InstanceClients(
      new InstanceRounds({ indexes: () => [0, 1], send: (index, request) => asked.push([index, request]) }),
    );
    const refreshed = clients.refresh();
    expect(asked.map(([index]) => index)).toEqual([0, 1]);
    clients.update(0, [client(instanceClientId(1, 0, 2))], (asked[0] as [number, number])[1]);
    clients.update(
      1,
      [client(instanceClientId(1, 1, 2)), client(instanceClientId(2, 1, 2))],
      (asked[1] as [number, number])[1],
    );
    await refreshed;
    expect(clients.all().map((c) => c.client_id)).toEqual([2, 3, 5]);
    clients.forget(1);
    expect(clients.all()).toHaveLength(1);
  });
});
