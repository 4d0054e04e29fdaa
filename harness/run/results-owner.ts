// A run inside a container runs as root (namespaces need it) but writes into
// the caller's folder: MPTCP_LAB_RESULTS_OWNER=UID:GID (set by `run --docker`,
// harness/docker/container-run.ts) gives the results folder and everything
// in it to that user at the end, on success, failure and signal alike.
import { lchown, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const OWNER_ENV = 'MPTCP_LAB_RESULTS_OWNER';

/** "UID:GID" → numbers; undefined when absent or malformed. */
export function parseOwner(text: string | undefined): { uid: number; gid: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : undefined;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await lchown(path, uid, gid);
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return; // a file
  }
  for (const name of names) await chownTree(join(path, name), uid, gid);
}

/** Gives `dir` and what is in it to the owner MPTCP_LAB_RESULTS_OWNER names; nothing without it. */
export async function giveResultsToOwner(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const owner = parseOwner(env[OWNER_ENV]);
  if (owner) await chownTree(dir, owner.uid, owner.gid);
}
