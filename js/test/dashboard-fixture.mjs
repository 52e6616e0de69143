// Sets in known states for the dashboard's tests, made through the package on a real
// redis-server, with the figures a dashboard must show for them.
import { setTimeout as sleep } from 'node:timers/promises';

import { ScheduledSet, SortedSet } from '../../pkg/index.mjs';

/** An item whose text is markup: the page must show it as text. */
export const MARKUP_ITEM = '<img src=x onerror="document.title=\'injected\'">';

/**
 * `jobs`, a priority set whose consumers give up after one delivery (maxDeliveries 1):
 * 3 waiting (job-5, job-6 and the markup item), 2 in flight (job-1 held for a minute,
 * job-4 whose lease has expired — claimed last, as a claim also takes back expired
 * leases), 2 dead (job-2 and job-3, each with its reason).
 * `retries`, a scheduled set that counts server-side (metrics): 5 waiting, of which 2
 * due (a minute and 30 s ago) and 3 later, 1 in flight (the item due two minutes ago),
 * none dead.
 * `tenants`, a grouped priority set: a1 and a2 in the group acme, z1 in zeta; one
 * claimed (the first group's turn), so 2 waiting and 1 in flight.
 */
export async function knownStates(client) {
  const jobs = new SortedSet(client, 'jobs', { maxDeliveries: 1 });
  for (let i = 1; i <= 6; i++) await jobs.add(`job-${i}`, i);
  await jobs.add(MARKUP_ITEM, 7);
  await jobs.claim(1, 60000); // job-1
  const [first, second] = await jobs.claim(2, 60000); // job-2, job-3
  await jobs.retry(first, { reason: 'HTTP 503 from the billing API' });
  await jobs.retry(second, { reason: 'timed out after 30 s' });
  const [expiring] = await jobs.claim(1, 1); // job-4
  for (let i = 0; ; i++) {
    const lease = (await jobs.inFlightItems()).find((l) => l.token === expiring.token);
    if (lease?.timeLeft === 0) break;
    if (!lease || i === 200) throw new Error(`job-4's 1 ms lease: ${JSON.stringify(lease)} after ${i} looks`);
    await sleep(5);
  }

  const retries = new ScheduledSet(client, 'retries', { metrics: true });
  const now = Date.now() / 1000;
  await retries.add('retry-a', now - 120);
  await retries.add('retry-b', now - 60);
  await retries.add('retry-c', now - 30);
  await retries.add('retry-d', now + 3600);
  await retries.add('retry-e', now + 7200);
  await retries.add('retry-f', now + 86400);
  await retries.claim(1, 60000); // retry-a

  const tenants = new SortedSet(client, 'tenants', { groups: true });
  for (const [group, item] of [['acme', 'a1'], ['acme', 'a2'], ['zeta', 'z1']]) await tenants.addToGroup(group, item);
  await tenants.claim(1, 60000);

  return {
    jobs,
    retries,
    tenants,
    expected: {
      jobs: { kind: 'sorted', waiting: 3, due: 3, inFlight: 2, dead: 2 },
      retries: { kind: 'scheduled', waiting: 5, due: 2, inFlight: 1, dead: 0 },
      tenants: { kind: 'sorted', waiting: 2, due: 2, inFlight: 1, dead: 0 },
    },
  };
}
