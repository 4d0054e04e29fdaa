// The lab file format, as one zod schema. It only validates the shape of what
// a person wrote; quantities stay as written and normalize.ts converts them.
// The published JSON Schema (schema/lab.schema.json) is generated from this.
// What it produces is checked (`satisfies`) against the lab model's own types.
import { z } from 'zod';
import type { Direction, EndpointFlag, EventAction, Expectations, Expected, HostStep, PmEventPattern, Role } from './model.js';
import { parseKernelRange } from './kernel-range.js';
import { parseDuration, parsePercent, parseRate, parseSize } from './units.js';
import { MAX_LAB_REPEAT } from './repeat.js';

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const hostName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,9}$/, 'a host name: lowercase letters and digits, starting with a letter, at most 10 characters');
const linkName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,9}$/, 'a link name: lowercase letters and digits, starting with a letter, at most 10 characters');
const quantity = z.union([z.number(), z.string()]);

const size = quantity.refine((v) => parseSize(v) !== undefined, 'a size such as 4MB, 64KiB or a number of bytes');
const rate = quantity.refine((v) => parseRate(v) !== undefined, 'a positive rate such as 20mbit, 500kbit or 1gbit');
const duration = quantity.refine((v) => parseDuration(v) !== undefined, 'a duration such as 150ms or 2s');
const percent = quantity.refine((v) => parsePercent(v) !== undefined, 'a percentage from 0 to 100, such as 1% or 0.5');

/** Expected value of a counter: exact number, or ">=1", "<=3", ">0", "<2", "1..3". */
export const COMPARISON = /^\s*(?:(>=|<=|>|<|==|=)\s*[0-9]+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?\s*\.\.\s*[0-9]+(?:\.[0-9]+)?)\s*$/;
const expected = z.union([
  z.number().nonnegative(),
  z.string().regex(COMPARISON, 'a number or a comparison such as ">=1", "<=3" or "1..3"'),
]) satisfies z.ZodType<Expected>;

export const impairmentSchema = z.strictObject({
  rate: rate.optional().describe('Bottleneck rate, tc units (20mbit). Like Mininet TCLink bw.'),
  delay: duration.optional().describe('One-way delay (needs sch_netem).'),
  jitter: duration.optional().describe('Delay variation (needs sch_netem).'),
  loss: percent.optional().describe('Random loss in percent.'),
  reorder: percent.optional().describe('Reordering in percent (needs sch_netem and a delay).'),
  duplicate: percent.optional().describe('Duplication in percent (needs sch_netem).'),
  corrupt: percent.optional().describe('Corruption in percent (needs sch_netem).'),
  queue: z.number().int().positive().optional().describe('Queue limit in packets. Like Mininet max_queue_size.'),
  rewrite: z
    .strictObject({
      packet: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .describe(
          'Which one: the Nth TCP segment (header and payload) longer than 61 + offset bytes, counted from when the rewrite is set.',
        ),
      offset: z.number().int().min(0).max(1000).describe('Byte of the TCP payload to invert.'),
    })
    .optional()
    .describe(
      "A middlebox that inverts one byte of one TCP segment's payload and leaves the segment acceptable to TCP (mptcp_join.sh fail tests: tc pedit + csum); only a DSS checksum catches it (RFC 8684 §3.7). Kernel: nft on the receiving interface.",
    ),
});
export type ImpairmentInput = z.infer<typeof impairmentSchema>;

const endpointFlag = z.enum(['signal', 'subflow', 'backup', 'fullmesh', 'implicit', 'laminar']) satisfies z.ZodType<EndpointFlag>;

const endpointSchema = z.strictObject({
  link: linkName.optional().describe("Use this host's address on the named link."),
  address: z.string().optional().describe('A literal address instead of link.'),
  family: z
    .union([z.literal(4), z.literal(6)])
    .optional()
    .describe('Which of the link addresses (default 4, or 6 on an IPv6-only link).'),
  id: z.number().int().min(1).max(255).optional(),
  flags: z.array(endpointFlag).default([]),
  port: z.number().int().min(1).max(65535).optional(),
  dev: z.union([z.boolean(), z.string()]).optional().describe('true: bind to the interface of the link; or an interface name.'),
});
export type EndpointInput = z.infer<typeof endpointSchema>;

const hostSchema = z.strictObject({
  forward: z.boolean().default(false).describe('A router: forwards between its links.'),
  sysctls: z.record(z.string().regex(/^net\.[a-z0-9_.-]+$/, 'a net.* sysctl name'), z.union([z.string(), z.number()])).default({}),
  limits: z
    .strictObject({
      subflows: z.number().int().min(0).max(8).optional(),
      add_addr_accepted: z.number().int().min(0).max(8).optional(),
    })
    .optional(),
  endpoints: z.array(endpointSchema).default([]),
});

const linkSchema = z.strictObject({
  name: linkName.optional(),
  between: z.tuple([hostName, hostName]),
  ipv4: z.boolean().default(true),
  ipv6: z.boolean().default(false),
  addresses: z
    .record(hostName, z.array(z.string()).min(1))
    .optional()
    .describe('Explicit address/prefix per host; otherwise assigned from 198.18.0.0/15 and 2001:db8::/32.'),
  from: z.record(hostName, impairmentSchema).optional().describe('Impairments of the traffic this host sends on the link.'),
  ...impairmentSchema.shape,
});

const workloadSchema = z.strictObject({
  client: hostName,
  server: hostName,
  connect: z.string().describe('Link name (the server address on it), "link/6" for its IPv6 address, or a literal address.'),
  direction: (z.enum(['upload', 'download', 'both']) satisfies z.ZodType<Direction>).default('upload'),
  size: size.default('1MB'),
  connections: z.number().int().min(1).max(64).default(1),
  write: z.strictObject({ chunk: size.default('64KiB'), pause: duration.default(0) }).optional(),
  mptcp: z.strictObject({ client: z.boolean().default(true), server: z.boolean().default(true) }).optional(),
  port: z.number().int().min(1024).max(65535).optional().describe('Default: derived from the seed.'),
  bind: z.string().optional().describe('Client local address: link name or literal address.'),
  'abort-after': size.optional().describe('Client aborts (SO_LINGER 0) after sending this much: MP_FASTCLOSE.'),
});

const endpointRef = z.strictObject({
  host: hostName,
  id: z.number().int().min(1).max(255).optional(),
  link: linkName.optional(),
  address: z.string().optional(),
  family: z.union([z.literal(4), z.literal(6)]).optional(),
});

const hostStep = z.custom<HostStep>((v) => typeof v === 'function', 'a shell command, or in a TypeScript lab a function ($) => Promise');

// One key per action of the model (checked), and when.
const eventSchema = z.strictObject({
  at: duration.describe(
    'Time from the first data byte of the first connection (the client holds it until the server has accepted the connection and the events due at 0 ms are in place).',
  ),
  'link-down': linkName.optional(),
  'link-up': linkName.optional(),
  'endpoint-add': z.strictObject({ host: hostName, ...endpointSchema.shape }).optional(),
  'endpoint-delete': endpointRef.optional(),
  'endpoint-flush': hostName.optional(),
  backup: z.strictObject({ ...endpointRef.shape, backup: z.boolean().default(true) }).optional(),
  impair: z.strictObject({ link: linkName, from: hostName.optional(), ...impairmentSchema.shape }).optional(),
  shell: z
    .strictObject({ host: hostName, command: z.union([z.string().min(1), hostStep]) })
    .optional()
    .describe(
      'A shell command run inside the host namespace; in a TypeScript lab also a step ($) => Promise, with $ scoped to that host (zx).',
    ),
} satisfies Record<'at' | EventAction, z.ZodType>);

const role = z.enum(['client', 'server']) satisfies z.ZodType<Role>;
const txRx = (defaultBy: Role) =>
  z.strictObject({
    tx: expected.optional(),
    rx: expected.optional(),
    by: role.default(defaultBy).describe(`Side that sends it (default ${defaultBy}); the other side receives.`),
  });

const pmEventPattern = z.strictObject({
  host: hostName,
  type: z.enum([
    'CREATED',
    'ESTABLISHED',
    'CLOSED',
    'ANNOUNCED',
    'REMOVED',
    'SF_ESTABLISHED',
    'SF_CLOSED',
    'SF_PRIORITY',
    'LISTENER_CREATED',
    'LISTENER_CLOSED',
  ]),
  count: expected.optional().describe('How many such events (default: at least one).'),
  saddr: z.string().optional(),
  daddr: z.string().optional(),
  locId: z.number().int().optional(),
  remId: z.number().int().optional(),
  backup: z.boolean().optional(),
  dport: z.number().int().optional(),
}) satisfies z.ZodType<PmEventPattern>;

/** The model's expectations as a lab file gives them: a duration bound as written, not yet in ms. */
type ExpectationsWritten = Omit<Expectations, 'durationMaxMs'> & { duration?: { max: number | string; margin: number } };

// Every named check reads the counters the kernel selftests read
// (mptcp_join.sh chk_*_nr), on the same side: ns1 = server, ns2 = client.
const expectSchema = z.strictObject({
  join: z
    .strictObject({ syn: expected, synack: expected, ack: expected, syn_tx: expected.optional(), rejected: expected.optional() })
    .optional()
    .describe('chk_join_nr: server MPJoinSynRx, client MPJoinSynAckRx, server MPJoinAckRx; HMAC failures 0.'),
  join_backup: z
    .strictObject({ syn: expected, synack: expected })
    .optional()
    .describe('server MPJoinSynBackupRx, client MPJoinSynAckBackupRx.'),
  add_addr: z
    .strictObject({
      rx: expected.optional(),
      echo: expected.optional(),
      tx: expected.optional(),
      port: expected.optional(),
      by: role.default('server'),
    })
    .optional()
    .describe(
      'chk_add_nr: AddAddr on the receiver (at least, when above 0), EchoAdd and AddAddrTx on the announcer; port checks the PortAdd/MPJoinPort* counters.',
    ),
  rm: z
    .strictObject({
      addr: expected.optional(),
      subflow: expected.optional(),
      tx: expected.optional(),
      by: role.default('client'),
      simult: z.boolean().default(false),
    })
    .optional()
    .describe(
      'chk_rm_nr: RmAddr on the peer of the side that removed, RmSubflow on the remover (simult: summed over both, between n and 2n); tx: RmAddrTx on the remover.',
    ),
  mp_prio: z
    .strictObject({ tx: expected.optional(), rx: expected.optional(), host: role.default('server') })
    .optional()
    .describe('chk_prio_nr: MPPrioTx and MPPrioRx, both read on one host (server, like the selftest).'),
  fastclose: txRx('client').optional().describe('chk_fclose_nr: MPFastcloseTx on the closer, MPFastcloseRx on the peer.'),
  rst: txRx('server').optional().describe('chk_rst_nr: MPRstTx/MPRstRx, at least n; 0 means exactly 0.'),
  fail: txRx('server').optional().describe('chk_fail_nr: MPFailTx/MPFailRx.'),
  infinite_map: txRx('client').optional().describe('chk_infi_nr: InfiniteMapTx/InfiniteMapRx.'),
  checksum_errors: expected.optional().describe('chk_csum_nr: DataCsumErr on each side.'),
  checksum: z.boolean().optional().describe('Whether DSS checksums were negotiated: MPTCP_INFO csum_enabled on both sides.'),
  fallback: z.boolean().optional().describe('Whether the connection fell back to TCP (default false when both sides are MPTCP).'),
  subflows: expected.optional().describe('Subflows of the connection at the end of the transfer, the initial one included (client side).'),
  events: z.array(pmEventPattern).optional(),
  link_share: z.record(linkName, expected).optional().describe("Share (0..1) of the client's payload traffic on each of its links."),
  duration: z.strictObject({ max: z.union([duration, z.literal('auto')]), margin: z.number().min(1).default(1.5) }).optional(),
  counters: z.record(hostName, z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), expected)).optional(),
  integrity: z.boolean().default(true),
}) satisfies z.ZodType<ExpectationsWritten>;

// How closely a differential run must agree (harness/compare), where timing
// makes the defaults too strict for this lab. null turns a comparison off.
const counterTolerance = z.strictObject({
  relative: z.number().nonnegative().optional().describe('Allowed difference as a fraction of the larger count (0.5 = 50 %).'),
  absolute: z.number().int().nonnegative().optional().describe('Allowed difference in counts.'),
});
const compareSchema = z
  .strictObject({
    link_share: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .optional()
      .describe('Largest difference of a link byte share between targets (default 0.15).'),
    duration_factor: z
      .number()
      .min(1)
      .nullable()
      .optional()
      .describe('The slower completion time may be at most this many times the faster (default 2).'),
    duration_slack: duration.optional().describe('Added to the allowed slower time (default 20ms).'),
    counters: z
      .record(
        z
          .string()
          .regex(
            /^([a-z][a-z0-9]*\.)?[A-Za-z*?][A-Za-z0-9*?]*$/,
            'a counter name, optionally host-scoped (server.MPTcpExtAddAddr), * and ? allowed',
          ),
        counterTolerance,
      )
      .optional()
      .describe('Counters compared within a tolerance, by name.'),
  })
  .describe('Tolerances of the comparison between targets (kernel vs engine, kernel vs kernel).');

/** A kernel version range (harness/lab/kernel-range.ts), the parser's own message when it is not one. */
const kernelRange = z.string().superRefine((text, ctx) => {
  const range = parseKernelRange(text);
  if ('error' in range) ctx.addIssue({ code: 'custom', message: range.error });
});

const knownBugSchema = z.strictObject({
  check: z
    .string()
    .min(1)
    .describe('The check the bug makes fail: a name ("integrity"), a dotted prefix ("join") or a glob ("events.server.*").'),
  kernels: z
    .union([kernelRange, z.array(kernelRange).min(1)])
    .transform((k) => (typeof k === 'string' ? [k] : k))
    .describe(
      'Kernel versions with the bug: a range such as ">=6.18 <6.19", "6.18" (every 6.18.x) or "*", or a list of ranges (any of them).',
    ),
  description: z.string().min(1).describe('What the bug is, one line: shown in the TODO of a failing check.'),
  reference: z.string().min(1).describe('Where it is described or fixed: a URL, a commit, a findings file.'),
});

export const labSchema = z.strictObject({
  name: z.string().regex(NAME, 'a lab name: lowercase letters, digits and dashes, at most 32').optional(),
  description: z.string().default(''),
  group: z.string().default('misc'),
  tags: z.array(z.string()).default([]),
  requires: z
    .array(z.string())
    .default([])
    .describe(
      'What the lab needs beyond what it implies, else it SKIPs: netem, ipv6, nft, a program (tcpdump, ethtool, ss, ...), sysctl:NAME, kernel>=X.Y, or a feature of kernels/features.ts (userspace-pm, mptcp-info, full-info, mixed-v4v6, ...)',
    ),
  timeout: duration.default('60s'),
  repeat: z
    .number()
    .int('a whole number of runs')
    .min(1, 'at least 1 run')
    .max(MAX_LAB_REPEAT, `at most ${MAX_LAB_REPEAT} runs (a default run must stay short); hunt longer with --repeat or --until-fail`)
    .optional()
    .describe('Runs of the lab in one mptcp-lab run, for what shows only now and then (default 1); --repeat overrides it'),
  hosts: z.record(
    hostName,
    hostSchema.nullable().transform((h) => h ?? hostSchema.parse({})),
  ),
  links: z.array(linkSchema).min(1),
  workload: workloadSchema,
  events: z.array(eventSchema).default([]),
  expect: expectSchema.default({ integrity: true }),
  compare: compareSchema.default({}),
  'known-divergences': z.array(z.strictObject({ check: z.string(), reason: z.string() })).default([]),
  'known-bugs': z
    .array(knownBugSchema)
    .default([])
    .describe('Kernel bugs this lab is known to hit: on those kernels a failure of the check is a TODO naming the bug, not a failure.'),
});

export type LabInput = z.input<typeof labSchema>;
export type LabParsed = z.output<typeof labSchema>;
export type EventParsed = z.output<typeof eventSchema>;
export type LinkParsed = z.output<typeof linkSchema>;
export type EndpointParsed = z.output<typeof endpointSchema>;
