// The names mptcp-lab gives its Docker things, without loading dockerode
// (the CLI's options and help need them at every start).
import { VERSION } from '../version.js';

/** The label that marks an mptcp-lab image, and its value: the version inside. */
export const VERSION_LABEL = 'org.mptcp-lab.version';
/** The image a run uses without a name, and `image build` makes without --tag: this version's. */
export const DEFAULT_IMAGE = `mptcp-lab:${VERSION}`;
/** The Dockerfile's default base (docker/Dockerfile ARG BASE): a Debian trixie root, made with debootstrap where no registry is reachable. */
export const DEFAULT_BASE = 'mptcp-lab-base:trixie';
/** The base where the daemon has no DEFAULT_BASE: Debian's own image, which the daemon pulls from Docker Hub. */
export const HUB_BASE = 'debian:trixie-slim';
