import type { Logger } from 'pino';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { nonceToBytes } from '../ckb/header.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { rpcJdView } from '../jd/rpc-view.js';
import type { PoolConfig } from './config.js';
import { type JdListener, startJdListener } from './jd-listener.js';
import type { PoolParts } from './pool-parts.js';

/** What the TypeScript dev chain answers to local_node_info (pool/src/devnet/rpc-methods.ts). */
const DEVNET_VERSION_MARK = '(ckb-pool devnet)';

/**
 * The Job Declarator Server of `jd.listen` (docs/job-declaration-ckb.md): its listener over the
 * pool's node and the declared work the mining sessions share. A pushed solution takes the
 * path of a block found by a share: recorded as pending, then submitted (blocks.ts), at most
 * once per block. Null when `jd.listen` is unset.
 */
export async function startJds(
  config: PoolConfig,
  parts: PoolParts,
  log: Logger,
): Promise<JdListener | null> {
  const work = parts.jd;
  if (!config.jd.listen || !work) return null;
  const { codeHash, hashType, args } = config.node.payoutLock;
  if (!codeHash || !hashType || !args) throw new Error('jd.listen needs node.payoutLock');
  const payoutLock: PayoutLock = { codeHash, hashType, args };
  const rpc = new CkbRpcClient(config.node.rpcUrl, { timeoutMs: config.node.rpcTimeoutMs });
  const jlog = log.child({ part: 'jds' });
  const rules = (await isDevChain(rpc)) ? 'devnet' : 'ckb';
  if (rules === 'devnet')
    jlog.info('the node is the TypeScript dev chain: judging declarations by its rules');
  return startJdListener({
    config,
    identity: parts.identity,
    ephemeralPool: parts.ephemeralPool,
    view: rpcJdView(rpc, { rules }),
    work,
    payoutLock,
    log: jlog,
    onSolution: (block, declared, connectionId) => {
      const nonce16 = nonceToBytes(block.header.nonce);
      const found = work.pushed(declared, nonce16, config.chain);
      if (typeof found === 'string') {
        jlog.info({ height: block.header.number.toString(), why: found }, 'pushed solution not submitted');
        return;
      }
      jlog.info(
        { height: block.header.number.toString(), worker: found.worker },
        'block pushed by a JD client',
      );
      parts.submitter
        .found({
          job: found.job,
          nonce16,
          worker: found.worker,
          shareDifficulty: found.job.networkDifficulty,
          connectionId,
          channelId: 0,
        })
        .catch((err: unknown) =>
          jlog.fatal({ err: (err as Error).message }, 'could not record a pushed block'),
        );
    },
  });
}

async function isDevChain(rpc: CkbRpcClient): Promise<boolean> {
  try {
    return (await rpc.localNodeInfo()).version.endsWith(DEVNET_VERSION_MARK);
  } catch {
    return false;
  }
}
