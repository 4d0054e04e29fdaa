// `mptcp-lab selftests [SUITE...] --kernel host [--tree DIR] [--jobs N]
// [--results DIR] [--junit FILE] [--tap-version 13|14]`: the kernel's own
// MPTCP selftests (harness/run/selftests-run.ts).
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_SUITES, selftestsCommand, type SelftestsRequest } from '../run/selftests-run.js';
import type { TapVersion } from '../report/tap.js';
import { defaultJobs, int } from './run.js';

interface SelftestsFlags {
  kernel: string;
  tree?: string;
  jobs?: number;
  results?: string;
  junit?: string;
  tapVersion: string;
}

export function selftestsRequest(suites: string[], o: SelftestsFlags): SelftestsRequest {
  return {
    suites: suites.length ? suites : [...DEFAULT_SUITES],
    kernel: o.kernel,
    ...(o.tree !== undefined ? { tree: resolve(o.tree) } : {}),
    jobs: o.jobs ?? defaultJobs(),
    ...(o.results !== undefined ? { results: o.results } : {}),
    ...(o.junit !== undefined ? { junit: o.junit } : {}),
    tapVersion: Number(o.tapVersion) as TapVersion,
  };
}

export function selftestsSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('selftests')
    .description(
      `the kernel's own MPTCP selftests (tools/testing/selftests/net/mptcp), one TAP point per suite with its subtests; default suites: ${DEFAULT_SUITES.join(' ')}`,
    )
    .argument('[suites...]', 'suite scripts, e.g. diag.sh pm_netlink.sh mptcp_join.sh')
    .option('--kernel <spec>', 'where they run: host (the only target for now)', 'host')
    .option('--tree <dir>', "a kernel source tree whose selftests run (default: Debian's linux-source of the host's nearest series)")
    .option('--jobs <n>', 'suites at once (default: one per CPU)', int('--jobs', 1))
    .option('--results <dir>', 'results folder (default: mptcp-lab-results/<timestamp>)')
    .option('--junit <file>', 'also write JUnit XML')
    .addOption(new Option('--tap-version <v>', 'TAP version').choices(['13', '14']).default('14'))
    .action(async (suites: string[], o: SelftestsFlags) => {
      setExit(await selftestsCommand(selftestsRequest(suites, o), (s) => process.stdout.write(s)));
    });
}
