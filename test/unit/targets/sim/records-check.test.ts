// The engine target hands DSS options between endpoints as records (engine/options/dss.ts DssOption)
// and the receiver takes their fields, not their bytes. With recordCheck on, every such option is
// also read from its bytes through the codec and compared: labs that carry every DSS form the
// engine sends (data, DATA_FIN, checksums, MP_FAIL, fastclose, resets, a fallback) run clean.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { recordCheck } from '../../../../engine/subflow.js';
import { simulateLab } from '../../../../harness/targets/sim/run-lab.js';
import { catalogueLab } from './helpers.js';

after(() => {
  recordCheck.check = false;
});

for (const rel of [
  'checksum/checksum-both.lab.yaml',
  'checksum/mp-fail-mp-rst.lab.yaml',
  'fastclose/fastclose-client.lab.yaml',
  'link/link-failure.lab.yaml',
  'signal/signal-address.lab.yaml',
]) {
  test(`${rel}: the DSS records give what their bytes give`, () => {
    recordCheck.check = true;
    recordCheck.checked = 0;
    const { result } = simulateLab(catalogueLab(rel), { seed: 2026 });
    recordCheck.check = false;
    assert.equal(result.error, undefined);
    assert.equal(result.status, 'pass');
    assert.ok(recordCheck.checked > 100, `${recordCheck.checked} records checked`);
  });
}
