/**
 * Config changes must reach running containers. The bundle's files are bind mounts, and
 * `compose up -d` recreates a container only when its service definition changes, never when
 * only a mounted file's contents do (and Ansible's atomic replace gives the file a new inode
 * that a running container does not see). So each service carries a label with the SHA-256 of
 * the bundle files it mounts: a changed file changes exactly the services that read it, and
 * compose recreates those and leaves the others running.
 */
import { createHash } from 'node:crypto';

export const CONFIG_HASH_LABEL = 'io.ckb-pool.config-sha256';

interface FileLike {
  path: string;
  content: string;
}

type SecretFiles = Record<string, { file?: string }>;

/**
 * The bundle paths a service mounts (`./x:/y[:ro]` volumes and the files of the `secrets:` it
 * lists), without the leading `./`.
 */
export function mountedPaths(
  service: { volumes?: unknown; secrets?: unknown },
  secrets: SecretFiles = {},
): string[] {
  const volumes = Array.isArray(service.volumes) ? (service.volumes as unknown[]) : [];
  const secretNames = Array.isArray(service.secrets) ? (service.secrets as unknown[]) : [];
  const secretPaths = secretNames
    .map((n) => (typeof n === 'string' ? secrets[n]?.file : undefined))
    .filter((f): f is string => typeof f === 'string' && f.startsWith('./'));
  return [
    ...volumes.filter((v): v is string => typeof v === 'string' && v.startsWith('./')),
    ...secretPaths,
  ].map((v) => v.slice(2, v.indexOf(':') < 0 ? undefined : v.indexOf(':')).replace(/\/$/, ''));
}

/** SHA-256 over path and content of every file under the given bundle paths (sorted). */
export function configHash(paths: string[], files: FileLike[]): string {
  const h = createHash('sha256');
  const mounted = files
    .filter((f) => paths.some((p) => f.path === p || f.path.startsWith(`${p}/`)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of mounted) h.update(`${f.path}\0${f.content}\0`);
  return h.digest('hex');
}

/** The compose file with a config-hash label on every service that mounts bundle files. */
export function withConfigHashes<T extends { services: Record<string, unknown>; secrets?: unknown }>(
  compose: T,
  files: FileLike[],
): T {
  const secrets = (compose.secrets ?? {}) as SecretFiles;
  const services = Object.fromEntries(
    Object.entries(compose.services).map(([name, s]) => {
      const service = s as { volumes?: unknown; secrets?: unknown; labels?: Record<string, string> };
      const paths = mountedPaths(service, secrets);
      if (paths.length === 0) return [name, service];
      return [
        name,
        { ...service, labels: { ...service.labels, [CONFIG_HASH_LABEL]: configHash(paths, files) } },
      ];
    }),
  );
  return { ...compose, services };
}
