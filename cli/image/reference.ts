/**
 * Docker image references as the Docker engine reads them: `nervos/ckb:v0.205.0` is
 * `docker.io/nervos/ckb`, `prom/prometheus` is `docker.io/prom/prometheus:latest`, `grafana`
 * alone is `docker.io/library/grafana`, and a first path component with a dot, a colon or the
 * name `localhost` is a registry host. Error messages name the registry a host would pull from.
 */

export interface ImageRef {
  /** The reference as written. */
  ref: string;
  /** Registry host[:port] as Docker resolves it (`docker.io` for Docker Hub). */
  registry: string;
  /** Repository path inside the registry (`library/grafana`, `nervos/ckb`). */
  repository: string;
  tag: string;
  /** `sha256:…` when the reference pins a digest. */
  digest?: string;
}

const DOCKER_HUB = 'docker.io';

export class ImageRefError extends Error {
  override name = 'ImageRefError';
}

/** Parses an image reference; throws ImageRefError for one Docker would refuse. */
export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const named = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new ImageRefError(`'${ref}': the digest after @ must be sha256:<64 hex digits>`);
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : 'latest';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new ImageRefError(`'${ref}': bad tag '${tag}'`);
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const isHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = isHost ? first : DOCKER_HUB;
  const path = isHost ? parts.slice(1) : parts;
  if (path.length === 0 || path.some((p) => !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p)))
    throw new ImageRefError(
      `'${ref}': a repository name is lowercase letters, digits and . _ - separated by /`,
    );
  const repository = registry === DOCKER_HUB && path.length === 1 ? `library/${path[0]}` : path.join('/');
  return { ref, registry, repository, tag, ...(digest ? { digest } : {}) };
}

/** How a person recognises the registry: Docker Hub by name, others by host. */
export function registryLabel(r: ImageRef): string {
  return r.registry === DOCKER_HUB ? 'Docker Hub (docker.io)' : r.registry;
}

/** Docker talks plain HTTP only to registries on the loopback; everything else is HTTPS. */
export function registryBaseUrl(r: ImageRef): string {
  if (r.registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const host = r.registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '[::1]';
  return `${loopback ? 'http' : 'https'}://${r.registry}`;
}

/** `x86_64` / `aarch64` (uname -m) → Docker's platform name; null for one we do not ship. */
export function platformOfMachine(machine: string): string | null {
  const m = machine.trim();
  if (m === 'x86_64' || m === 'amd64') return 'linux/amd64';
  if (m === 'aarch64' || m === 'arm64') return 'linux/arm64';
  return null;
}
