// Which target a spec names, and what each says it can do before it ran.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTargetSpec, createTarget } from '../../../harness/targets/registry.js';

test('host is the namespaces target, any other --kernel spec a booted kernel, sim the engine', async () => {
  const host = await createTarget('--kernel', 'host', {}).capabilities();
  assert.deepEqual([host.kind, host.backend, host.realTiming], ['kernel', 'netns', true]);
  assert.match(host.kernelVersion ?? '', /^\d+\.\d+/);
  assert.ok(host.features?.includes('mptcp'));
  const guest = createTarget('--kernel', 'debian:6.12', {});
  assert.equal(guest.spec, 'debian:6.12');
  assert.equal(guest.runLab, undefined, 'a booted kernel runs whole batches only');
  assert.deepEqual(await guest.capabilities(), { kind: 'kernel', backend: 'vm', realTiming: true }, 'its version is known once it booted');
  const engine = createTarget('--engine', 'sim', {});
  assert.deepEqual(await engine.capabilities(), {
    kind: 'engine',
    backend: 'sim',
    realTiming: false,
    features: (await engine.capabilities()).features,
  });
  assert.ok((await engine.capabilities()).features?.includes('laminar'), 'the engine models the newest kernel');
  assert.throws(() => checkTargetSpec('--kernel', 'sim', {}), /not recognised/, 'sim is not a kernel');
  assert.doesNotThrow(() => checkTargetSpec('--kernel', 'host', {}));
  assert.throws(() => createTarget('--engine', 'qemu', {}), /--engine qemu: no target takes it/);
});
