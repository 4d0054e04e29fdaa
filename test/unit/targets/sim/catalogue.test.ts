// Engine to engine over the whole catalogue: every lab in labs/ runs on the
// TypeScript engine at both ends, in the simulator, with two seeds. Whatever
// the lab throws at it (loss, reordering, link failure, removed addresses),
// every connection must finish and every byte must arrive intact, except
// where the lab aborts the connection on purpose. The lab's own checks must
// pass too, except those listed below with the reason the engine differs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../../harness/lab/catalogue.js';
import { runLabOnEngine } from '../../../../harness/targets/sim/run-lab.js';

/** Lab → checks the engine is known to fail there, and why. Fixing one makes its test fail until it is removed here. */
const KNOWN_CHECK_FAILURES: Record<string, { checks: string[]; reason: string }> = {};

const labs = await loadCatalogue();

describe('engine to engine: every catalogue lab', () => {
  for (const lab of labs) {
    test(lab.name, () => {
      for (const seed of [1, 2]) {
        const r = runLabOnEngine(lab, { seed });
        assert.equal(r.error, undefined, `${lab.name} seed ${seed}: ${r.error}`);
        const o = r.observations!;
        assert.equal(o.transfers.length, lab.workload.connections, `${lab.name} seed ${seed}: a transfer per connection`);
        const aborted = lab.workload.abortAfterBytes !== undefined;
        for (const t of o.transfers) {
          if (aborted) continue;
          // A lab whose middlebox rewrites data that then falls back to TCP delivers it rewritten, on purpose.
          if (lab.expect.integrity) assert.equal(t.intact, true, `${lab.name} seed ${seed} connection ${t.connection}: data intact`);
          const up = t.direction === 'download' ? 0 : t.sizeBytes;
          const down = t.direction === 'upload' ? 0 : t.sizeBytes;
          assert.deepEqual(
            [t.server.bytesReceived, t.client.bytesReceived],
            [up, down],
            `${lab.name} seed ${seed} connection ${t.connection}: bytes received (server, client)`,
          );
        }
        const failed = r.checks
          .filter((c) => !c.ok)
          .map((c) => c.name)
          .sort();
        const known = KNOWN_CHECK_FAILURES[lab.name];
        if (seed === 1)
          assert.deepEqual(
            failed,
            known?.checks ?? [],
            `${lab.name}: checks failing on the engine${known ? ` (listed: ${known.reason})` : ''}`,
          );
      }
    });
  }
});
