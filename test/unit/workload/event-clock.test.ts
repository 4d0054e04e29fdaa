// The event clock of the workload: events due at 0 ms before the held client
// is released, the rest timed from the release, and an event that took
// effect only after the workload ended counts as failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuiltLab } from '../../../harness/targets/netns/build.js';
import type { Lab, TimedEvent } from '../../../harness/lab/model.js';
import { EventClock } from '../../../harness/targets/netns/workload.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A shell step that only waits stands for a command that is slow to take effect; no namespace is touched. */
function slowStep(atMs: number, ms: number, seen: string[], name: string): TimedEvent {
  return { atMs, action: 'shell', host: 'h', command: async () => (await sleep(ms), seen.push(name)) };
}

function built(events: TimedEvent[]): BuiltLab {
  return {
    lab: { events, links: [], hosts: [] } as unknown as Lab,
    ns: { h: 'mptcplab-none' },
    caps: {} as BuiltLab['caps'],
    setupMs: 0,
    setupSteps: '',
  };
}

test('events due at 0 ms are in place before the release; later ones are timed from it', async () => {
  const seen: string[] = [];
  const events = [slowStep(0, 60, seen, 'now'), slowStep(30, 0, seen, 'later')];
  const clock = new EventClock(built(events), () => undefined);
  let releasedAt = 0;
  const t0 = performance.now();
  await clock.start(events, () => (seen.push('release'), (releasedAt = performance.now())));
  assert.deepEqual(seen, ['now', 'release']);
  assert.ok(releasedAt - t0 >= 55, `released after ${releasedAt - t0} ms, before the 60 ms step was done`);
  await sleep(80);
  assert.deepEqual(seen, ['now', 'release', 'later']);
  const applied = await clock.applied(performance.now());
  assert.deepEqual(
    applied.map((a) => a.ok),
    [true, true],
  );
  assert.ok(applied[1]!.atMs >= 29, `the 30 ms event ran ${applied[1]!.atMs} ms after the release`);
});

test('an event that took effect after the workload ended failed', async () => {
  const seen: string[] = [];
  const events = [slowStep(10, 100, seen, 'slow')];
  const clock = new EventClock(built(events), () => undefined);
  await clock.start(events, undefined);
  await sleep(40);
  const endedAt = performance.now();
  clock.cancel();
  const [a] = await clock.applied(endedAt);
  assert.equal(a!.ok, false);
  assert.match(a!.error!, /took effect at \d+ ms, after the workload ended at \d+ ms/);
});

test('cancel: an event not yet due is reported as not applied', async () => {
  const events = [slowStep(5_000, 0, [], 'never')];
  const clock = new EventClock(built(events), () => undefined);
  await clock.start(events, () => undefined);
  clock.cancel();
  const [a] = await clock.applied(performance.now());
  assert.equal(a!.ok, false);
  assert.match(a!.error!, /not applied/);
});
