// The pure parts of ci/real-node-e2e.mjs (unit-tested in real-node.test.ts): the dev chain
// spec and ckb.toml the REAL nervos/ckb node runs with, the compose override that mounts them,
// the images the run pulls, and the checks on Grafana's HTTP API answers.
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';

/**
 * A mainnet address (default secp256k1-blake160 lock). The e2e renders a MAINNET bundle: the
 * pool then checks shares with plain Eaglesong, the PoW the dev chain spec switches to.
 */
export const MAINNET_PAYOUT =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4';

/**
 * Genesis compact target of the dev chain: difficulty 2^20, about a million Eaglesong hashes
 * per block — a few seconds for one `ckb-pool mine` thread, so the chain moves while the test
 * watches, without the block flood of the stock dev difficulty (256 hashes).
 */
export const DEV_COMPACT_TARGET = 0x1e100000;

/** Folder inside the bundle for the files only this e2e adds (mounted by the override). */
export const DEV_DIR = 'ci-real-node';
/** Where the dev spec sits in the node's home; ckb.toml names it relative to itself. */
export const DEV_SPEC_PATH = 'specs/dev.toml';

/** Base image of the locally built pool image (the Dockerfile's default). */
export const NODE_BASE_IMAGE = 'node:22-bookworm-slim';

/** The node's PoW engine (`[pow] func`) that checks what the pool of a bundle chain accepts. */
export function powFuncFor(chain) {
  const func = { mainnet: 'Eaglesong', testnet: 'EaglesongBlake2b' }[chain];
  if (!func) throw new Error(`no PoW engine for chain '${chain}' (mainnet or testnet)`);
  return func;
}

/**
 * Replaces `key = …` inside `[section]` of a TOML text, keeping every other line (the dev spec
 * holds integers above 2^53, which a parse/stringify round trip would not keep). Throws when the
 * section or the key is missing: a template that changed shape must fail loudly.
 */
export function setTomlValue(text, section, key, literal) {
  const lines = text.split('\n');
  const header = `[${section}]`;
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) throw new Error(`the chain spec has no ${header} section`);
  const keyLine = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`);
  for (let i = start + 1; i < lines.length && !/^\s*\[/.test(lines[i]); i++) {
    if (keyLine.test(lines[i])) {
      lines[i] = `${key} = ${literal}`;
      return lines.join('\n');
    }
  }
  throw new Error(`the chain spec's ${header} section has no '${key}'`);
}

/**
 * The dev chain spec for the real node, from the pinned node's own `ckb init --chain dev`
 * output: PoW switched from Dummy to the engine the pool checks, the genesis difficulty set to
 * DEV_COMPACT_TARGET, and the genesis timestamp set to `timestampMs` — a node whose tip is
 * older than 24 h reports initial block download, and the pool reports unhealthy until it ends.
 */
export function devChainSpec(template, { chain, timestampMs, compactTarget = DEV_COMPACT_TARGET }) {
  if (!/^name\s*=\s*"ckb_dev"/m.test(template)) {
    throw new Error('not a dev chain spec (no name = "ckb_dev"): expected `ckb init --chain dev` output');
  }
  if (!Number.isSafeInteger(timestampMs) || timestampMs <= 0)
    throw new Error(`bad genesis timestamp ${timestampMs}`);
  let spec = setTomlValue(template, 'pow', 'func', JSON.stringify(powFuncFor(chain)));
  spec = setTomlValue(spec, 'genesis', 'compact_target', `0x${compactTarget.toString(16)}`);
  spec = setTomlValue(spec, 'genesis', 'timestamp', String(timestampMs));
  return `# CI ONLY (ci/real-node-e2e.mjs): \`ckb init --chain dev\` of the pinned node, PoW ${powFuncFor(chain)}.\n${spec}`;
}

/**
 * The bundle's rendered ckb.toml, pointed at the dev spec and without bootnodes (the dev chain
 * has no peers); every other key — RPC modules, block assembler, notify URL — stays as rendered.
 */
export function devCkbToml(rendered) {
  const toml = parseToml(rendered);
  if (!toml.chain?.spec) throw new Error('the rendered ckb.toml has no [chain] spec');
  if (!toml.network) throw new Error('the rendered ckb.toml has no [network] section');
  if (!toml.block_assembler) throw new Error('the rendered ckb.toml has no [block_assembler]');
  toml.chain.spec = { file: DEV_SPEC_PATH };
  toml.network.bootnodes = [];
  return `# CI ONLY (ci/real-node-e2e.mjs): the rendered ckb.toml on the dev chain.\n${stringifyToml(toml)}\n`;
}

/**
 * The compose override: the real node gets the dev ckb.toml and spec in place of the rendered
 * ckb.toml (compose merges volumes by container path); every service keeps its image.
 */
export function realNodeOverride(compose, ckbHome = '/var/lib/ckb') {
  const ckb = compose.services?.ckb;
  if (!ckb) throw new Error("the rendered compose.yaml has no 'ckb' service");
  const target = `${ckbHome}/ckb.toml`;
  if (!ckb.volumes?.some((v) => v.split(':')[1] === target)) {
    throw new Error(`the ckb service does not mount ${target}; the override would not replace it`);
  }
  return {
    version: compose.version,
    services: {
      ckb: {
        volumes: [
          `./${DEV_DIR}/ckb.toml:${target}:ro`,
          `./${DEV_DIR}/dev.toml:${ckbHome}/${DEV_SPEC_PATH}:ro`,
        ],
      },
    },
  };
}

/**
 * Every image the run needs from a registry, the node's first: the bundle's images except the
 * pool's (built here from this commit's packed ckb-pool), plus the Node base that build starts from.
 */
export function imagesToPull(images, nodeBase = NODE_BASE_IMAGE) {
  if (!images.ckb) throw new Error('the config names no images.ckb');
  // The node first: when even it cannot be pulled, the run stops before pulling the rest.
  const rest = Object.entries(images)
    .filter(([name]) => name !== 'pool' && name !== 'ckb')
    .map(([, ref]) => ref);
  return [...new Set([images.ckb, ...rest, nodeBase])];
}

/** The error when images cannot be pulled: what failed, and what this run needs instead. */
export function pullFailure(failures) {
  const lines = failures.map(({ image, output }) => {
    const last = output.trim().split('\n').filter(Boolean).pop() ?? 'no output';
    return `  ${image}: ${last}`;
  });
  return new Error(
    `cannot pull ${failures.length} image(s):\n${lines.join('\n')}\n` +
      'This test runs the real nervos/ckb, Prometheus, Alertmanager, Grafana and node_exporter ' +
      'images: it needs Docker Hub (docker login if rate-limited). Without a registry, ' +
      'ci/docker-e2e.mjs runs the bundle with local stand-ins instead.',
  );
}

/** Grafana's admin password as the bundle passes it: a compose secret file, not `.env`. */
export const GRAFANA_PASSWORD_FILE = 'secrets/grafana-admin-password';

/**
 * Compares the dashboards the bundle provisions (`[{ file, uid, title, panels }]`) with what
 * Grafana's API serves: `search` is GET /api/search?type=dash-db, `loaded` maps a uid to
 * GET /api/dashboards/uid/<uid> (or null when that failed). Returns the problems (none = ok).
 */
export function dashboardProblems(provisioned, search, loaded) {
  const problems = [];
  for (const d of provisioned) {
    if (!search.some((s) => s.uid === d.uid))
      problems.push(`${d.file}: Grafana lists no dashboard with uid ${d.uid}`);
    const got = loaded[d.uid];
    if (!got) {
      problems.push(`${d.file}: GET /api/dashboards/uid/${d.uid} failed`);
      continue;
    }
    if (!got.meta?.provisioned) problems.push(`${d.file}: Grafana does not mark ${d.uid} as provisioned`);
    if (got.dashboard?.title !== d.title)
      problems.push(`${d.file}: title '${got.dashboard?.title}' in Grafana, '${d.title}' in the file`);
    const want = panelCount(d.panels);
    const have = panelCount(got.dashboard?.panels ?? []);
    if (have !== want) problems.push(`${d.file}: Grafana shows ${have} panels, the file has ${want}`);
  }
  return problems;
}

const panelCount = (panels) =>
  panels.reduce((n, p) => n + (p.type === 'row' ? panelCount(p.panels ?? []) : 1), 0);

/** The uids of every datasource a dashboard's panels and targets name. */
export function dashboardDatasources(dashboard) {
  const uids = new Set();
  const walk = (panels) => {
    for (const p of panels) {
      if (p.datasource?.uid) uids.add(p.datasource.uid);
      for (const t of p.targets ?? []) if (t.datasource?.uid) uids.add(t.datasource.uid);
      if (p.panels) walk(p.panels);
    }
  };
  walk(dashboard.panels ?? []);
  return [...uids];
}

const HASH_TYPES = { 0: 'data', 1: 'type', 2: 'data1', 4: 'data2' };

/**
 * The lock of a cellbase witness (molecule `CellbaseWitness { lock: Script, message: Bytes }`,
 * as `get_block` returns it in hex): whom the node's block assembler made the block pay.
 */
export function cellbaseLock(witnessHex) {
  const buf = Buffer.from(String(witnessHex).replace(/^0x/, ''), 'hex');
  const bad = (why) => new Error(`not a CellbaseWitness (${why}): ${witnessHex}`);
  if (buf.length < 12 || buf.readUInt32LE(0) !== buf.length) throw bad('total size');
  const script = buf.subarray(buf.readUInt32LE(4), buf.readUInt32LE(8));
  // Script table: [total, 3 offsets] then code_hash (32 bytes), hash_type (1), args (fixvec).
  if (script.length < 16 + 32 + 1 + 4 || script.readUInt32LE(0) !== script.length) throw bad('lock size');
  const [codeHash, hashType, args] = [4, 8, 12].map((at) => script.readUInt32LE(at));
  if (codeHash !== 16 || hashType - codeHash !== 32 || args - hashType !== 1) throw bad('lock layout');
  const argsLength = script.readUInt32LE(args);
  if (args + 4 + argsLength !== script.length) throw bad('args length');
  return {
    code_hash: `0x${script.subarray(codeHash, hashType).toString('hex')}`,
    hash_type: HASH_TYPES[script[hashType]] ?? `unknown(${script[hashType]})`,
    args: `0x${script.subarray(args + 4).toString('hex')}`,
  };
}

/** The body of POST /api/ds/query for one panel target over the last `minutes`. */
export function dsQuery(datasourceUid, expr, { nowMs, minutes = 15 }) {
  return {
    queries: [
      {
        refId: 'A',
        datasource: { type: 'prometheus', uid: datasourceUid },
        expr,
        range: true,
        instant: false,
        intervalMs: 15_000,
        maxDataPoints: 100,
      },
    ],
    from: String(nowMs - minutes * 60_000),
    to: String(nowMs),
  };
}

/** What went wrong in a /api/ds/query answer (HTTP status + body); null when the query ran. */
export function dsQueryError(status, body) {
  const result = body?.results?.A;
  if (result?.error) return result.error;
  if (status !== 200) return `HTTP ${status}${body?.message ? `: ${body.message}` : ''}`;
  if (!result) return 'no result for refId A';
  if (result.status !== undefined && result.status !== 200) return `status ${result.status}`;
  return null;
}
