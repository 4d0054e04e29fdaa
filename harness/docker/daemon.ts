// The Docker daemon, through dockerode, and its failures as one line each:
// a daemon that does not answer, a socket the user may not open, an image
// that is not there (with the command that builds it). Each is a DockerError,
// which the CLI prints and ends with exit status 3 (this machine cannot run
// what was asked), never a stack trace.
// dockerode is loaded when a command talks to Docker: it takes half a second to load, which no other command should pay.
import type Docker from 'dockerode';

/** What the CLI prints as "mptcp-lab: <message>" before exiting 3. */
export class DockerError extends Error {}

/** The daemon's address as the user knows it: DOCKER_HOST, else the default socket. */
export function daemonAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A client of the daemon that DOCKER_HOST names (dockerode reads it), or of the default socket. */
export async function dockerClient(): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode');
  try {
    return new Dockerode();
  } catch (e) {
    // dockerode throws on a DOCKER_HOST it cannot read.
    throw new DockerError(`DOCKER_HOST=${process.env.DOCKER_HOST}: ${(e as Error).message}`);
  }
}

interface DaemonFailure {
  code?: string;
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

/** The daemon's own message of an HTTP error, else the error's. */
function messageOf(e: DaemonFailure): string {
  const text = e.json?.message ?? e.reason ?? e.message ?? String(e);
  return text.trim().split('\n')[0] ?? text;
}

/**
 * `e` (from dockerode) as one line that says what to do. `what` names what
 * was being done ("run in image mptcp-lab:0.1.0"); `image` is the image it
 * needed, for the "not found" case.
 */
export function describeDockerFailure(e: unknown, what: string, image?: string): DockerError {
  if (e instanceof DockerError) return e;
  const f = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as DaemonFailure;
  const at = daemonAddress();
  if (f.code === 'ENOENT' || f.code === 'ECONNREFUSED')
    return new DockerError(
      `${what}: no Docker daemon answers at ${at} (${f.code}); start it (e.g. \`sudo systemctl start docker\`, or Docker Desktop) or set DOCKER_HOST`,
    );
  if (f.code === 'EACCES' || f.code === 'EPERM')
    return new DockerError(
      `${what}: permission denied on ${at}; add yourself to the docker group (\`sudo usermod -aG docker $USER\`, then log in again) or run with sudo`,
    );
  if (f.statusCode === 404 && image)
    return new DockerError(`${what}: image ${image} not found; build it with \`mptcp-lab image build --tag ${image}\``);
  const status = f.statusCode ? ` (HTTP ${f.statusCode})` : f.code ? ` (${f.code})` : '';
  return new DockerError(`${what}: Docker: ${messageOf(f)}${status}`);
}
