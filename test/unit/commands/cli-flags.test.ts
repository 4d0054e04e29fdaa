// The command line's flag parsing, without running anything: the program
// is built with a `run` hook that records the RunRequest the flags make.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { CommanderError } from 'commander';
import { buildProgram } from '../../../harness/commands/program.js';
import { UsageError } from '../../../harness/exit.js';
import type { RunRequest } from '../../../harness/run/run-command.js';

interface Parsed {
  request?: RunRequest;
  exit?: number;
  out: string;
  err: string;
}

async function parse(...args: string[]): Promise<Parsed> {
  const parsed: Parsed = { out: '', err: '' };
  const program = buildProgram({
    setExit: (code) => (parsed.exit = code),
    run: async (request) => {
      parsed.request = request;
      return 0;
    },
    output: { writeOut: (s) => (parsed.out += s), writeErr: (s) => (parsed.err += s) },
  });
  await program.parseAsync(['node', 'mptcp-lab', ...args]);
  return parsed;
}

/** A commander error (the CLI exits 2 for it, 0 for help and version) with its code. */
async function rejectsWith(code: string, ...args: string[]): Promise<void> {
  await assert.rejects(parse(...args), (e: unknown) => e instanceof CommanderError && e.code === code);
}

describe('run flags', () => {
  test('defaults: the host and the engine beside it, the whole catalogue, one host lab per CPU', async () => {
    const { request, exit } = await parse('run');
    assert.equal(exit, 0);
    assert.deepEqual(
      { ...request, tapVersion: String(request?.tapVersion) },
      {
        labs: [],
        grep: undefined,
        tags: undefined,
        kernels: ['host'],
        engines: ['sim'],
        slots: availableParallelism(),
        jobs: availableParallelism(),
        seed: undefined,
        retries: 0,
        untilFail: false,
        timeoutMs: undefined,
        results: undefined,
        junit: undefined,
        capture: 'off',
        tapVersion: '14',
        settings: { vm: { memoryMb: 2048, cpus: 2, accel: 'auto' } },
      },
    );
  });

  test('values given are passed on', async () => {
    const { request } = await parse(
      'run',
      'no-join',
      'signal',
      '-j',
      '3',
      '--seed',
      '7',
      '--retries',
      '2',
      '--repeat',
      '4',
      '--timeout',
      '30s',
      '--grep',
      'join$',
      '--tag',
      'a',
      'b',
      '--engine',
      'off',
      '--tap-version',
      '13',
      '--capture',
      '--results',
      'out',
      '--junit',
      'j.xml',
      '--vm-memory',
      '512',
      '--vm-cpus',
      '1',
      '--accel',
      'tcg',
    );
    assert.deepEqual(request?.labs, ['no-join', 'signal']);
    assert.deepEqual(
      [request?.slots, request?.jobs, request?.seed, request?.retries, request?.repeat, request?.timeoutMs],
      [3, 3, 7, 2, 4, 30_000],
    );
    assert.deepEqual(
      [request?.grep, request?.tags, request?.engines, request?.tapVersion, request?.capture, request?.results, request?.junit],
      ['join$', ['a', 'b'], [], 13, 'always', 'out', 'j.xml'],
    );
    assert.deepEqual(request?.settings, { vm: { memoryMb: 512, cpus: 1, accel: 'tcg' } });
  });

  test('--until-fail: up to 100 runs without --repeat, --repeat when given; --repeat alone leaves it off', async () => {
    const alone = (await parse('run', 'no-join', '--until-fail')).request;
    assert.deepEqual([alone?.repeat, alone?.untilFail], [100, true]);
    const bounded = (await parse('run', 'no-join', '--until-fail', '--repeat', '30')).request;
    assert.deepEqual([bounded?.repeat, bounded?.untilFail], [30, true]);
    const repeated = (await parse('run', 'no-join', '--repeat', '3')).request;
    assert.deepEqual([repeated?.repeat, repeated?.untilFail], [3, false]);
  });

  test('--capture: alone always, or always / on-failure; anything else is a usage error that says why', async () => {
    assert.equal((await parse('run', '--capture')).request?.capture, 'always');
    assert.equal((await parse('run', '--capture', 'on-failure', 'no-join')).request?.capture, 'on-failure');
    assert.equal((await parse('run', 'no-join', '--capture=always')).request?.capture, 'always');
    const bad = await parse('run', '--capture', 'no-join').catch((e: unknown) => e);
    assert.ok(bad instanceof CommanderError && bad.code === 'commander.invalidArgument', String(bad));
    assert.match(bad.message, /expected always or on-failure, got "no-join" \(--capture alone means always; put lab names before it/);
  });

  test('--kernel: a comma-separated list in order, each spec once, checked by its target', async () => {
    assert.deepEqual((await parse('run', '--kernel', 'debian:6.1, host,debian:6.12')).request?.kernels, [
      'debian:6.1',
      'host',
      'debian:6.12',
    ]);
    await assert.rejects(
      parse('run', '--kernel', ' , '),
      (e) => e instanceof UsageError && /^--kernel: expected host, debian:6\.1/.test(e.message),
    );
    await assert.rejects(
      parse('run', '--kernel', 'host,debian:6.12,host'),
      (e) => e instanceof UsageError && e.message === '--kernel: host is given twice; expected each kernel once',
    );
    await assert.rejects(
      parse('run', '--kernel', 'debian:5.10'),
      (e) => e instanceof UsageError && /^--kernel debian:5\.10: .*unknown Debian kernel/.test(e.message),
    );
    await assert.rejects(
      parse('run', '--kernel', 'vmlinuz'),
      (e) => e instanceof UsageError && /^--kernel vmlinuz: .*not recognised/.test(e.message),
    );
    await assert.rejects(
      parse('run', '--kernel', 'debian:6.12', '--modules', '/nonexistent-modules'),
      (e) => e instanceof UsageError && /^--modules \/nonexistent-modules: no such directory/.test(e.message),
    );
    // --modules belongs to a bzImage path; a Debian kernel brings its own and ignores it.
    assert.deepEqual((await parse('run', '--kernel', 'debian:6.12', '--modules', '/')).request?.settings.vm?.modules, '/');
  });

  test('bad values are usage errors before anything runs', async () => {
    for (const args of [
      ['--jobs', 'zero'],
      ['--jobs', '0'],
      ['--seed', '-1'],
      ['--retries', '1.5'],
      ['--repeat', '0'],
      ['--timeout', '0'],
      ['--timeout', 'soon'],
      ['--vm-memory', '128'],
      ['--vm-cpus', '0'],
    ]) {
      await rejectsWith('commander.invalidArgument', 'run', ...args);
    }
    for (const args of [
      ['--engine', 'qemu'],
      ['--accel', 'hvf'],
    ])
      await rejectsWith('commander.invalidArgument', 'run', ...args);
    await rejectsWith('commander.unknownOption', 'run', '--bogus');
    await rejectsWith('commander.unknownCommand', 'frobnicate');
    await assert.rejects(
      parse('run', '--grep', '('),
      (e) => e instanceof UsageError && /^--grep: not a regular expression/.test(e.message),
    );
  });

  test('an error says what was expected and shows the help', async () => {
    const parsed: Parsed = { out: '', err: '' };
    const program = buildProgram({
      setExit: () => undefined,
      output: { writeOut: (s) => (parsed.out += s), writeErr: (s) => (parsed.err += s) },
    });
    await assert.rejects(program.parseAsync(['node', 'mptcp-lab', 'run', '--jobs', 'zero']));
    assert.match(parsed.err, /--jobs must be an integer >= 1/);
    assert.match(parsed.err, /Usage: mptcp-lab run \[options\] \[labs\.\.\.\]/);
  });

  test('--help and --version end with status 0', async () => {
    await rejectsWith('commander.helpDisplayed', '--help');
    await rejectsWith('commander.version', '--version');
  });
});

describe('subcommands', () => {
  test('every subcommand of the CLI, each from its own module', () => {
    const program = buildProgram({ setExit: () => undefined });
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      [
        'run',
        'calibrate',
        'list',
        'show',
        'validate',
        'doctor',
        'clean',
        'kernels',
        'explain',
        'export',
        'matrix',
        'report',
        'image',
        'selftests',
      ],
    );
    assert.deepEqual(
      program.commands.find((c) => c.name() === 'kernels')?.commands.map((c) => c.name()),
      ['list', 'fetch', 'prune'],
    );
    assert.deepEqual(
      program.commands.find((c) => c.name() === 'report')?.commands.map((c) => c.name()),
      ['merge', 'github', 'flakes'],
    );
  });
});

describe('report flags', () => {
  test('report merge needs --out and at least one folder; --tap-version is 13 or 14', async () => {
    await rejectsWith('commander.missingMandatoryOptionValue', 'report', 'merge', 'a');
    await rejectsWith('commander.missingArgument', 'report', 'merge', '--out', 'm');
    await rejectsWith('commander.invalidArgument', 'report', 'merge', 'a', '--out', 'm', '--tap-version', '15');
    await rejectsWith('commander.missingArgument', 'report', 'github');
    await rejectsWith('commander.unknownCommand', 'report', 'merj');
  });
});

describe('run --shard and --timings', () => {
  test('--shard i/N is passed on checked; --timings with it', async () => {
    assert.deepEqual((await parse('run', '--shard', '2/4')).request?.shard, { index: 2, count: 4 });
    const file = new URL(import.meta.url).pathname;
    const r = (await parse('run', '--shard', '1/2', '--timings', file)).request;
    assert.deepEqual([r?.shard, r?.timings], [{ index: 1, count: 2 }, file]);
    assert.equal((await parse('run')).request?.shard, undefined);
  });

  test('a bad --shard, or --timings without --shard or without a file, is a usage error that says why', async () => {
    for (const [args, why] of [
      [['--shard', '0/2'], /--shard 0\/2: the shard must be between 1 and 2/],
      [['--shard', '3/2'], /--shard 3\/2: the shard must be between 1 and 2/],
      [['--shard', 'x'], /--shard x: expected i\/N/],
      [['--timings', 'results.json'], /--timings balances the shards of --shard i\/N/],
      [['--shard', '1/2', '--timings', '/nonexistent/results.json'], /no such file/],
    ] as const)
      await assert.rejects(parse('run', ...args), (e) => e instanceof UsageError && why.test(e.message), args.join(' '));
  });
});
