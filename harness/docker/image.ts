// The mptcp-lab image: built through dockerode from the context made in
// context.ts (progress streamed to stderr as the daemon sends it), and
// listed by the label every such image carries.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { tarStream } from '../../lib/tar.js';
import { VERSION } from '../version.js';
import { contextEntries, packPackage, productionModules } from './context.js';
import { describeDockerFailure, DockerError, dockerClient } from './daemon.js';
import { DEFAULT_BASE, HUB_BASE, VERSION_LABEL } from './names.js';

export interface BuildOptions {
  tag: string;
  /** Default: DEFAULT_BASE when the daemon has it (made from Debian's mirror), else HUB_BASE. */
  base?: string;
  /** Where progress goes (default stderr). */
  progress?: (line: string) => void;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** One line of the daemon's build output for the user, or undefined for nothing worth showing. */
function progressLine(e: BuildEvent): string | undefined {
  const text = (e.stream ?? e.status ?? '').replace(/\n+$/, '');
  return text.trim() ? text : undefined;
}

/** A failed build's message, with what to do when it is the base image that is missing. */
function buildFailure(message: string, base: string): DockerError {
  const line = message.trim().split('\n').slice(-1)[0] ?? message;
  if (/pull access denied|manifest unknown|not found|no such host|dial tcp|i\/o timeout/i.test(line) && line.includes(base.split(':')[0]!))
    return new DockerError(
      `image build: base image ${base} is not here and cannot be pulled (${line}); make it from Debian's mirror (docs/docker.md: debootstrap --variant=minbase trixie DIR, then docker import) or give --base debian:trixie-slim where Docker Hub is reachable`,
    );
  return new DockerError(`image build: ${line}`);
}

/** The base when none is given: the one made from Debian's mirror if the daemon has it, else Debian's image from Docker Hub. */
async function baseOf(docker: Docker): Promise<string> {
  try {
    await docker.getImage(DEFAULT_BASE).inspect();
    return DEFAULT_BASE;
  } catch {
    return HUB_BASE;
  }
}

/** Builds the image; resolves with its id. Throws a DockerError on any failure. */
export async function buildImage(opts: BuildOptions): Promise<string> {
  const docker = await dockerClient();
  const say = opts.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  try {
    await docker.ping();
  } catch (e) {
    throw describeDockerFailure(e, 'image build');
  }
  const base = opts.base ?? (await baseOf(docker));
  const { tarball, dir } = await packPackage();
  try {
    const modules = await productionModules();
    say(`mptcp-lab image build: ${opts.tag} from ${base}, mptcp-lab ${VERSION} (${modules.length} production modules)`);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(tarStream(contextEntries(tarball, modules)), {
        t: opts.tag,
        buildargs: { BASE: base, MPTCP_LAB_VERSION: VERSION },
        labels: { [VERSION_LABEL]: VERSION },
        rm: true,
        forcerm: true,
      });
    } catch (e) {
      throw describeDockerFailure(e, 'image build');
    }
    return await followBuild(docker, stream, base, say);
  } finally {
    await rm(dirname(tarball), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

function followBuild(docker: Docker, stream: NodeJS.ReadableStream, base: string, say: (l: string) => void): Promise<string> {
  let id: string | undefined;
  let failed: string | undefined;
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) return reject(describeDockerFailure(err, 'image build'));
        if (failed !== undefined) return reject(buildFailure(failed, base));
        if (!id) return reject(new DockerError('image build: the daemon reported no image id'));
        resolve(id);
      },
      (e: BuildEvent) => {
        if (e.error) failed = e.errorDetail?.message ?? e.error;
        if (e.aux?.ID) id = e.aux.ID;
        const line = progressLine(e);
        if (line !== undefined) say(line);
      },
    );
  });
}

/** One mptcp-lab image, as `mptcp-lab image` reports it. */
export interface ImageRow {
  tags: string[];
  id: string;
  created: string;
  sizeBytes: number;
  version: string;
}

/** The mptcp-lab images the daemon has (by their label), newest first. */
export async function listImages(): Promise<ImageRow[]> {
  const docker = await dockerClient();
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages({ filters: JSON.stringify({ label: [VERSION_LABEL] }) });
  } catch (e) {
    throw describeDockerFailure(e, 'image');
  }
  return images
    .sort((a, b) => b.Created - a.Created)
    .map((i) => ({
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      id: i.Id.replace(/^sha256:/, '').slice(0, 12),
      created: new Date(i.Created * 1000).toISOString(),
      sizeBytes: i.Size,
      version: i.Labels?.[VERSION_LABEL] ?? '?',
    }));
}
