// `mptcp-lab run --docker [IMAGE] ...`: the same run, inside a container.
//
// Why not a Target (harness/targets/): a target returns LabResults for the
// runner on the host to report, but here the host may have nothing but
// Docker (no iproute2, no qemu, no root). So, like the vm target that runs
// mptcp-lab inside its guest, the whole run happens inside: the outer process
// starts `mptcp-lab run` with the same arguments minus --docker in a container
// of the image, streams its stdout (the TAP) and stderr as they come, and
// ends with its exit status. The TAP, results folder and exit status are
// then those of a host run by construction, since the same code makes them.
//
// The container gets NET_ADMIN and SYS_ADMIN (namespaces, mounts for ip
// netns), /proc/sys writable (a lab sets sysctls inside its namespaces;
// Docker mounts /proc/sys read-only), AppArmor unconfined (docker-default
// forbids the mounts of `ip netns`), never --privileged unless asked. It is
// labelled with this run's PID so `mptcp-lab clean` can remove it when the
// run is gone, and removed at the end whatever happens: success, failure,
// SIGINT and SIGTERM (forwarded to the run inside so it cleans up first).
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { registerCleanupTask } from '../cleanup.js';
import { OWNER_ENV } from '../run/results-owner.js';
import { describeDockerFailure, DockerError, dockerClient } from './daemon.js';
import { DEFAULT_IMAGE, VERSION_LABEL } from './names.js';
import { VERSION } from '../version.js';
import { CACHE_IN_CONTAINER, CACHE_VOLUME, runBinds, runDevices, type RunPaths } from './mounts.js';
import { parseStartTicks } from '../targets/vm/clean-qemu.js';

/** Labels of a run's container: the run's PID, its start time (PID reuse), and the machine. */
export const RUN_LABEL = 'org.mptcp-lab.run';
export const RUN_START_LABEL = 'org.mptcp-lab.run-start';
export const HOST_LABEL = 'org.mptcp-lab.host';

/** Docker's default read-only /proc paths (moby oci/defaults.go) without /proc/sys, which labs write inside their namespaces. */
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger'];
/** How long the run inside gets to clean up after a forwarded signal before it is killed. */
const STOP_GRACE_S = 20;

export interface ContainerRun {
  image: string;
  privileged: boolean;
  /** `run`'s arguments for the run inside: the given ones without --docker and --docker-privileged. */
  args: readonly string[];
  paths: RunPaths;
}

/** Our start time in clock ticks (/proc/self/stat), so `clean` can tell a reused PID. */
async function startTicks(): Promise<string> {
  try {
    return String(parseStartTicks(await readFile('/proc/self/stat', 'utf8')) ?? '');
  } catch {
    return '';
  }
}

/** The container of the run: created, not started. */
async function createRunContainer(docker: Docker, r: ContainerRun): Promise<Docker.Container> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const binds = runBinds(r.paths).map((b) => `${b.path}:${b.path}${b.readOnly ? ':ro' : ''}`);
  const env = [`${OWNER_ENV}=${uid}:${gid}`];
  // The run inside writes GitHub annotations when it knows it runs there.
  if (process.env.GITHUB_ACTIONS) env.push(`GITHUB_ACTIONS=${process.env.GITHUB_ACTIONS}`);
  try {
    return await docker.createContainer({
      Image: r.image,
      Entrypoint: ['mptcp-lab'],
      Cmd: ['run', ...r.args],
      WorkingDir: r.paths.cwd,
      Env: env,
      Labels: { [RUN_LABEL]: String(process.pid), [RUN_START_LABEL]: await startTicks(), [HOST_LABEL]: hostname() },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        // docker-init as PID 1: forwards our signals to the run and reaps its children.
        Init: true,
        CapAdd: ['NET_ADMIN', 'SYS_ADMIN'],
        Privileged: r.privileged,
        SecurityOpt: ['apparmor=unconfined'],
        ReadonlyPaths: READONLY_PATHS,
        Devices: runDevices().map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
        Binds: binds,
        Mounts: [{ Type: 'volume', Source: CACHE_VOLUME, Target: CACHE_IN_CONTAINER }],
      },
    });
  } catch (e) {
    throw describeDockerFailure(e, `run --docker ${r.image}`, r.image);
  }
}

/** Stops (signal first, so the run inside cleans up) and removes the container; never throws. */
async function removeContainer(c: Docker.Container, signal?: NodeJS.Signals): Promise<void> {
  if (signal) {
    try {
      await c.kill({ signal });
      await Promise.race([c.wait(), new Promise((r) => setTimeout(r, STOP_GRACE_S * 1000))]);
    } catch {
      /* not running any more */
    }
  }
  try {
    await c.remove({ force: true });
  } catch {
    /* gone already */
  }
}

/** Copies the container's stdout and stderr to ours as they come; `ended` resolves when its stream ends. */
async function streamOutput(docker: Docker, c: Docker.Container): Promise<{ ended: Promise<void> }> {
  const stream = (await c.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
  docker.modem.demuxStream(stream, process.stdout, process.stderr);
  // In an object: an async function's returned promise would be awaited with it.
  const ended = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  return { ended };
}

/** Runs the run inside a container of `r.image`; resolves with its exit status. Docker's failures are DockerErrors. */
export async function runInContainer(r: ContainerRun): Promise<number> {
  const docker = await dockerClient();
  try {
    await docker.ping();
  } catch (e) {
    throw describeDockerFailure(e, `run --docker ${r.image}`);
  }
  let inside: string | undefined;
  try {
    inside = (await docker.getImage(r.image).inspect()).Config?.Labels?.[VERSION_LABEL];
  } catch (e) {
    // Before anything is made: a run that cannot start leaves no results folder.
    throw describeDockerFailure(e, `run --docker ${r.image}`, r.image);
  }
  // Another version inside may not take these arguments, or give other verdicts: said, not refused.
  if (inside !== undefined && inside !== VERSION)
    process.stderr.write(
      `mptcp-lab: ${r.image} holds mptcp-lab ${inside}, this is ${VERSION}; \`mptcp-lab image build\` makes ${DEFAULT_IMAGE}\n`,
    );
  // Made here, as the caller, so the folder (and its parents) are the caller's; the run inside hands its files back.
  await mkdir(r.paths.results, { recursive: true });
  const container = await createRunContainer(docker, r);
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => (signal ??= s);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // On a signal the CLI's cleanup runs this: the run inside gets the signal, then the container goes.
  const forget = registerCleanupTask(() => removeContainer(container, signal ?? 'SIGTERM'));
  try {
    const { ended } = await streamOutput(docker, container);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await ended;
    return StatusCode;
  } catch (e) {
    if (e instanceof DockerError) throw e;
    throw describeDockerFailure(e, `run --docker ${r.image}`, r.image);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!signal) {
      forget();
      await removeContainer(container);
    }
  }
}
