/**
 * Opening a deploy command run: load and check the config and secrets, pick the work folder,
 * start the log (with every secret registered for masking) and the recorded state.
 */
import { imagePinVerdict } from '../bundle/image-pins.js';
import { renderBundle, writeBundle } from '../bundle/render.js';
import { loadConfig } from '../config/schema.js';
import { type DeploymentSecrets, readSecrets } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import { type DeployDeps, Session, StepFailure } from './context.js';
import { DeployLog, Masker } from './log.js';
import { ensureWorkDir, readState, type Target, type WorkDir, workDir } from './workdir.js';

export interface Opened {
  config: PoolDeployConfig;
  secrets: DeploymentSecrets;
  work: WorkDir;
  session: Session;
}

/** Throws ConfigError / SecretsError (the command turns them into clear messages). */
export function openSession(
  command: string,
  configPath: string,
  target: Target,
  deps: DeployDeps,
  opts: { secrets?: boolean } = {},
): Opened {
  const config = loadConfig(configPath);
  const secrets = opts.secrets === false ? emptySecrets() : readSecrets(config.secretsDir);
  const masker = new Masker()
    .add(
      secrets.authoritySecret,
      secrets.grafanaAdminPassword,
      secrets.notifySecret,
      config.monitoring.alertWebhookUrl,
    )
    .addFromEnv(deps.env);
  const work = workDir(configPath, config.project, target);
  ensureWorkDir(work);
  const log = DeployLog.inFolder(work.logs, command, masker, deps.now());
  const state = readState(work, target);
  return { config, secrets, work, session: new Session(deps, log, work, state) };
}

function emptySecrets(): DeploymentSecrets {
  return { authoritySecret: '', authorityPublicKey: '', grafanaAdminPassword: '', notifySecret: '' };
}

/** The render step every `up` starts with. */
export async function renderStep(o: Opened, allowUnpinned = false): Promise<void> {
  await o.session.step(
    'render bundle',
    async () => {
      // The same rule as `render`: a mainnet host gets digests, or the operator said otherwise.
      const pins = imagePinVerdict(o.config, allowUnpinned);
      if (pins.error) throw new StepFailure(pins.error);
      if (pins.warning) {
        o.session.log.line(`warning: ${pins.warning}`);
        if (o.config.chain === 'mainnet') o.session.progress.info(`warning: ${pins.warning}`);
      }
      const files = renderBundle(o.config, o.secrets);
      writeBundle(o.work.bundle, files);
      o.session.log.line(`rendered ${files.length} files into ${o.work.bundle}`);
      return files.length;
    },
    (n) => `${n} files`,
  );
}
