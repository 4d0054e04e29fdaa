// The runner over targets it knows only through the Target interface:
// report order (target by target in plan order, each reference result with
// its followers' results and comparison, the other targets' comparisons
// after their block), comparison retries, and the shared job slots.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../harness/lab/catalogue.js';
import type { Lab } from '../../../harness/lab/model.js';
import { emptyObservations } from '../../../harness/observations.js';
import type { LabResult, TargetInfo } from '../../../harness/result.js';
import { runTargets, type RunnerOptions, type RunPlan } from '../../../harness/run/runner.js';
import { runEachLab } from '../../../harness/targets/each-lab.js';
import type { EmitResult, Target, TargetCapabilities, TargetRunOptions } from '../../../harness/targets/target.js';

const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join' || l.name === 'single-subflow');

/** A result whose one counter is `value`: two results compare equal when their values are. */
function result(lab: Lab, info: TargetInfo, repeat: number, attempt: number, value: number): LabResult {
  const observations = emptyObservations();
  observations.counters = { server: { MPTcpExtMPCapableSYNRX: value } };
  return {
    lab: lab.name,
    file: lab.file,
    group: lab.group,
    tags: lab.tags,
    target: info,
    status: 'pass',
    durationMs: 1,
    attempts: attempt,
    repeat,
    checks: [],
    observations,
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A target whose labs run one by one; `value(lab, attempt)` is what it observes. Records its runs and how many jobs ran at once. */
class OneByOne implements Target {
  readonly runs: string[] = [];
  constructor(
    readonly spec: string,
    private readonly info: TargetInfo,
    private readonly caps: TargetCapabilities,
    private readonly value: (lab: string, attempt: number) => number,
    private readonly busy: { now: number; max: number },
  ) {}
  async capabilities() {
    return this.caps;
  }
  async run(all: readonly Lab[], opts: TargetRunOptions, emit: EmitResult) {
    await runEachLab(all, opts, (lab, repeat) => this.runLab(lab, repeat, 1), emit);
    return this.info;
  }
  async runLab(lab: Lab, repeat: number, attempt: number) {
    this.busy.now += 1;
    this.busy.max = Math.max(this.busy.max, this.busy.now);
    this.runs.push(`${lab.name} a${attempt}`);
    await tick();
    this.busy.now -= 1;
    return result(lab, this.info, repeat, attempt, this.value(lab.name, attempt));
  }
}

/** A target that runs its labs as one job (like a booted kernel), done before the others. */
class Batch implements Target {
  constructor(
    readonly spec: string,
    private readonly info: TargetInfo,
    private readonly busy: { now: number; max: number },
  ) {}
  async capabilities(): Promise<TargetCapabilities> {
    return { kind: 'kernel', backend: 'vm', realTiming: true };
  }
  async run(all: readonly Lab[], opts: TargetRunOptions, emit: EmitResult) {
    const results = await opts.slots.run(async () => {
      opts.onBatch?.('start');
      this.busy.now += 1;
      this.busy.max = Math.max(this.busy.max, this.busy.now);
      await tick();
      this.busy.now -= 1;
      return all.map((lab) => result(lab, this.info, 0, 1, 1));
    });
    opts.onBatch?.('finish', this.info);
    for (const r of results) await emit(r);
    return this.info;
  }
}

const HOST: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' };
const ENGINE: TargetInfo = { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' };
const GUEST: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.117+deb12-amd64', backend: 'vm' };

function options(over: Partial<RunnerOptions> & Pick<RunnerOptions, 'onResult'>): RunnerOptions {
  return { slots: 1, seed: 1, jobs: 1, retries: 0, repeat: 1, capture: false, ...over };
}

const point = (r: LabResult): string => `${r.lab} [${r.target.spec}] ${r.status}`;

describe('runTargets', () => {
  test('report order: the guest block waits for the reference; each host lab with the engine and their comparison; then the cross-kernel points', async () => {
    const busy = { now: 0, max: 0 };
    const host = new OneByOne('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
    const engine = new OneByOne('sim', ENGINE, { kind: 'engine', backend: 'sim', realTiming: false }, () => 1, busy);
    const out: LabResult[] = [];
    const batches: string[] = [];
    const plan: RunPlan = { targets: [new Batch('debian:6.12', GUEST, busy), host], reference: 1, followers: [engine] };
    const infos = await runTargets(
      labs,
      plan,
      options({
        slots: 2,
        jobs: 1,
        onResult: (r) => out.push(r),
        onBatch: (spec, event, info) => batches.push(`${spec} ${event} ${info?.version ?? ''}`),
      }),
    );
    assert.deepEqual(out.map(point), [
      'no-join [debian:6.12] pass',
      'single-subflow [debian:6.12] pass',
      'no-join [kernel host vs kernel debian:6.12] pass',
      'single-subflow [kernel host vs kernel debian:6.12] pass',
      'no-join [host] pass',
      'no-join [sim] pass',
      'no-join [kernel host vs engine sim] pass',
      'single-subflow [host] pass',
      'single-subflow [sim] pass',
      'single-subflow [kernel host vs engine sim] pass',
    ]);
    assert.deepEqual(infos, [GUEST, HOST]);
    assert.deepEqual(batches, ['debian:6.12 start ', `debian:6.12 finish ${GUEST.version}`]);
    assert.ok(busy.max <= 2, 'never more jobs than slots');
  });

  test("one slot: a batch and the labs one by one never run at once; the engine runs in its lab's slot", async () => {
    const busy = { now: 0, max: 0 };
    const host = new OneByOne('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
    const engine = new OneByOne('sim', ENGINE, { kind: 'engine', backend: 'sim', realTiming: false }, () => 1, busy);
    const out: LabResult[] = [];
    await runTargets(
      labs,
      { targets: [host, new Batch('debian:6.12', GUEST, busy)], reference: 0, followers: [engine] },
      options({ slots: 1, jobs: 2, onResult: (r) => out.push(r) }),
    );
    assert.equal(busy.max, 1);
    assert.equal(out.length, 2 * 3 + 2 + 2);
  });

  test('a divergence from the engine runs the reference lab again: agreeing then is flaky, its first divergence kept', async () => {
    const busy = { now: 0, max: 0 };
    // no-join diverges on attempt 1 only; single-subflow on every attempt.
    const host = new OneByOne(
      'host',
      HOST,
      { kind: 'kernel', backend: 'netns', realTiming: true },
      (lab, attempt) => (lab === 'no-join' && attempt > 1 ? 1 : 2),
      busy,
    );
    const engine = new OneByOne('sim', ENGINE, { kind: 'engine', backend: 'sim', realTiming: false }, () => 1, busy);
    const out: LabResult[] = [];
    await runTargets(labs, { targets: [host], reference: 0, followers: [engine] }, options({ retries: 2, onResult: (r) => out.push(r) }));
    const cmp = (lab: string) => out.find((r) => r.lab === lab && r.target.kind === 'compare')!;
    assert.deepEqual(
      [cmp('no-join').status, cmp('no-join').attempts, cmp('no-join').error],
      ['flaky', 2, 'diverged on attempt 1, agreed on attempt 2 (kernel run again)'],
    );
    assert.ok(
      cmp('no-join').checks.some((c) => !c.ok),
      'the first divergence stays visible',
    );
    assert.deepEqual([cmp('single-subflow').status, cmp('single-subflow').attempts], ['fail', 1]);
    assert.deepEqual(host.runs, ['no-join a1', 'no-join a2', 'single-subflow a1', 'single-subflow a2', 'single-subflow a3']);
    assert.deepEqual(engine.runs, ['no-join a1', 'single-subflow a1'], 'the engine, the same every time, runs once');
  });

  test('no comparison retries against a target with real timing, nor for a reference that cannot run one lab alone', async () => {
    const busy = { now: 0, max: 0 };
    const host = new OneByOne('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 2, busy);
    const real = new OneByOne('other', { ...HOST, spec: 'other' }, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
    const out: LabResult[] = [];
    await runTargets(labs, { targets: [host], reference: 0, followers: [real] }, options({ retries: 2, onResult: (r) => out.push(r) }));
    assert.deepEqual(host.runs, ['no-join a1', 'single-subflow a1']);
    const engine = new OneByOne('sim', ENGINE, { kind: 'engine', backend: 'sim', realTiming: false }, () => 2, busy);
    const guestOut: LabResult[] = [];
    await runTargets(
      labs,
      { targets: [new Batch('debian:6.12', GUEST, busy)], reference: 0, followers: [engine] },
      options({ retries: 2, onResult: (r) => guestOut.push(r) }),
    );
    assert.deepEqual(guestOut.map(point), [
      'no-join [debian:6.12] pass',
      'no-join [sim] pass',
      'no-join [kernel debian:6.12 vs engine sim] fail',
      'single-subflow [debian:6.12] pass',
      'single-subflow [sim] pass',
      'single-subflow [kernel debian:6.12 vs engine sim] fail',
    ]);
  });

  test('with several jobs, a lab that finishes first is still reported in selection order', async () => {
    // no-join takes longer than single-subflow here, so single-subflow finishes first.
    class SlowFirst extends OneByOne {
      override async runLab(lab: Lab, repeat: number, attempt: number) {
        if (lab.name === 'no-join') for (let i = 0; i < 5; i += 1) await tick();
        return super.runLab(lab, repeat, attempt);
      }
    }
    const busy = { now: 0, max: 0 };
    const host = new SlowFirst('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
    const out: LabResult[] = [];
    await runTargets(labs, { targets: [host], reference: 0, followers: [] }, options({ slots: 2, jobs: 2, onResult: (r) => out.push(r) }));
    assert.deepEqual(host.runs, ['single-subflow a1', 'no-join a1'], 'single-subflow finished first');
    assert.deepEqual(out.map(point), ['no-join [host] pass', 'single-subflow [host] pass']);
  });

  describe('repeats and --until-fail', () => {
    /** Fails from repeat `from` of no-join on; records the repeats it started. */
    class FailsFrom extends OneByOne {
      readonly started: number[] = [];
      constructor(
        private readonly from: number,
        busy: { now: number; max: number },
      ) {
        super('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
      }
      override async runLab(lab: Lab, repeat: number, attempt: number) {
        this.started.push(repeat);
        const r = await super.runLab(lab, repeat, attempt);
        return lab.name === 'no-join' && repeat >= this.from ? { ...r, status: 'fail' as const } : r;
      }
    }
    const noJoin = labs.filter((l) => l.name === 'no-join');

    test('repeats of one lab run side by side within --jobs, and are reported in repeat order', async () => {
      class LastFirst extends OneByOne {
        override async runLab(lab: Lab, repeat: number, attempt: number) {
          // Repeat 0 takes longest, so the later ones finish first.
          for (let i = 0; i < 4 - repeat; i += 1) await tick();
          return super.runLab(lab, repeat, attempt);
        }
      }
      const busy = { now: 0, max: 0 };
      const host = new LastFirst('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, busy);
      const out: LabResult[] = [];
      await runTargets(
        noJoin,
        { targets: [host], reference: 0, followers: [] },
        options({ slots: 2, jobs: 2, repeat: 4, onResult: (r) => out.push(r) }),
      );
      assert.equal(busy.max, 2, 'two repeats at once');
      assert.deepEqual(
        out.map((r) => r.repeat),
        [0, 1, 2, 3],
      );
    });

    test("a lab's own repeat: applies without --repeat, and --repeat overrides it", async () => {
      const asks = noJoin.map((l) => ({ ...l, repeat: 3 }));
      const counted = async (repeat: number | undefined): Promise<number> => {
        const out: LabResult[] = [];
        const host = new OneByOne('host', HOST, { kind: 'kernel', backend: 'netns', realTiming: true }, () => 1, { now: 0, max: 0 });
        await runTargets(asks, { targets: [host], reference: 0, followers: [] }, options({ repeat, onResult: (r) => out.push(r) }));
        return out.length;
      };
      assert.equal(await counted(undefined), 3);
      assert.equal(await counted(5), 5);
    });

    test('--until-fail, one job: the run stops right after the first failing repeat', async () => {
      const host = new FailsFrom(2, { now: 0, max: 0 });
      const out: LabResult[] = [];
      await runTargets(
        noJoin,
        { targets: [host], reference: 0, followers: [] },
        options({ repeat: 10, untilFail: true, onResult: (r) => out.push(r) }),
      );
      assert.deepEqual(host.started, [0, 1, 2]);
      assert.deepEqual(
        out.map((r) => `${r.repeat} ${r.status}`),
        ['0 pass', '1 pass', '2 fail'],
      );
    });

    test('--until-fail, two jobs: the run in flight finishes and is reported; no new one starts', async () => {
      const host = new FailsFrom(0, { now: 0, max: 0 });
      const out: LabResult[] = [];
      await runTargets(
        noJoin,
        { targets: [host], reference: 0, followers: [] },
        options({ slots: 2, jobs: 2, repeat: 10, untilFail: true, onResult: (r) => out.push(r) }),
      );
      assert.deepEqual(host.started, [0, 1]);
      assert.deepEqual(
        out.map((r) => `${r.repeat} ${r.status}`),
        ['0 fail', '1 fail'],
      );
    });

    test('without --until-fail a failure stops nothing; a passing lab runs all its repeats', async () => {
      const failing = new FailsFrom(0, { now: 0, max: 0 });
      await runTargets(noJoin, { targets: [failing], reference: 0, followers: [] }, options({ repeat: 4, onResult: () => undefined }));
      assert.equal(failing.started.length, 4);
      const passing = new FailsFrom(99, { now: 0, max: 0 });
      await runTargets(
        noJoin,
        { targets: [passing], reference: 0, followers: [] },
        options({ repeat: 4, untilFail: true, onResult: () => undefined }),
      );
      assert.equal(passing.started.length, 4);
    });

    test('--until-fail: a booted kernel still waiting for its slot when the host fails does not boot', async () => {
      const busy = { now: 0, max: 0 };
      const host = new FailsFrom(0, busy);
      let booted = false;
      class Guest extends Batch {
        override async run(all: readonly Lab[], opts: TargetRunOptions, emit: EmitResult) {
          const go = await opts.slots.run(async () => !opts.shouldStop?.());
          if (!go) return GUEST;
          booted = true;
          return super.run(all, opts, emit);
        }
      }
      const out: LabResult[] = [];
      await runTargets(
        noJoin,
        { targets: [host, new Guest('debian:6.12', GUEST, busy)], reference: 0, followers: [] },
        options({ slots: 1, repeat: 3, untilFail: true, onResult: (r) => out.push(r) }),
      );
      assert.equal(booted, false);
      assert.deepEqual(
        out.map((r) => `${r.target.spec} ${r.repeat} ${r.status}`),
        ['host 0 fail'],
      );
    });
  });
});
