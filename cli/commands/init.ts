import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { decodeAddress } from '../config/address.js';
import { defaultText, flagUsage } from '../config/docs.js';
import { ensureGitignore } from '../config/gitignore.js';
import {
  ConfigError,
  configToYaml,
  defaultOf,
  expandPath,
  FIELD_LIST,
  type FieldSpec,
  isRequired,
  parseConfig,
  validateField,
} from '../config/schema.js';
import { ensureSecrets } from '../config/secrets.js';
import { type Chain, type Draft, getPath, setPath } from '../config/types.js';
import { ensureWalletKey, WALLET_KEY_FILE, type WalletResult } from '../config/wallet.js';

/** The questions `init` asks; the real one is @inquirer/prompts, tests inject scripted answers. */
export interface Prompter {
  input(q: {
    message: string;
    default?: string | undefined;
    validate: (value: string) => true | string;
  }): Promise<string>;
  select(q: {
    message: string;
    choices: { value: string; name: string }[];
    default?: string | undefined;
  }): Promise<string>;
  confirm(q: { message: string; default?: boolean | undefined }): Promise<boolean>;
}

export interface InitDeps {
  /** Ask questions (a terminal is attached and --yes is not given). */
  interactive: boolean;
  prompter?: Prompter | undefined;
  print(text: string): void;
}

const DEFAULT_CONFIG = 'ckb-pool.yaml';

function flagOptions(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    config: { type: 'string' },
    yes: { type: 'boolean' },
    'import-wallet-key': { type: 'string' },
  };
  for (const f of FIELD_LIST)
    options[f.flag] = f.kind.list ? { type: 'string', multiple: true } : { type: 'string' };
  return options;
}

/** Words of `text` in lines of at most `width` characters, each indented by `indent`. */
function wrap(text: string, indent: number, width = 96): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}

function help(): string {
  const lines = FIELD_LIST.map((f) => {
    const usage = `  ${flagUsage(f)}${f.kind.list ? ' (repeatable)' : ''}`;
    return `${usage}\n${wrap(`${f.doc} Field \`${f.path}\`; default: ${defaultText(f)}.`, 6)}`;
  });
  return `Usage: ckb-pool-deploy init [--config FILE] [--yes] [field flags…]

Writes the deployment config (asks for each setting in a terminal; every answer is also a
flag) and creates the secrets once: the SV2 authority key, the Grafana admin password and
the node-notify secret (mode 0600 in the secrets folder; re-running keeps them and adds any
that is missing). Re-running on an existing config
offers its values as defaults.

  --config FILE              config file to write (default: ${DEFAULT_CONFIG})
  --import-wallet-key FILE   with --payouts: copy the pool wallet key from FILE (32 bytes hex,
                             mode 0600) instead of creating a new one. The key is never taken
                             on the command line.
  --yes                      never ask: take the defaults for everything not given by a flag
                             (needed without a terminal)
${lines.join('\n')}

Every field is described in docs/config.md. Example (non-interactive):
  ckb-pool-deploy init --yes --payout-address ckb1… --cloud aws --region us-east-1 \\
    --admin-cidr 203.0.113.7/32
`;
}

function display(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Asks for one field until the answer validates; returns the parsed value (undefined = unset). */
async function ask(p: Prompter, f: FieldSpec, draft: Draft, proposal: unknown): Promise<unknown> {
  const message = f.prompt ?? f.path;
  if (f.kind.choices) {
    return p.select({
      message,
      choices: f.kind.choices.map((c) => ({ value: c, name: c })),
      default: proposal as string | undefined,
    });
  }
  if (f.kind.describe === 'boolean') return p.confirm({ message, default: proposal as boolean | undefined });
  const optional = !isRequired(f, draft) && defaultOf(f, draft) === undefined;
  const parse = (answer: string): unknown =>
    optional && answer.trim() === '' ? undefined : f.kind.fromFlag(answer.trim());
  const answer = await p.input({
    message,
    default: display(proposal),
    validate: (value) => {
      try {
        const v = parse(value);
        if (v === undefined) return true;
        const r = validateField(f, v, draft);
        return r.problem ?? true;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  return parse(answer);
}

export async function runInit(argv: string[], deps: InitDeps): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: flagOptions(), strict: true }).values as typeof values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const yes = values.yes === true;
  if (!yes && !deps.interactive) {
    throw new UsageError(
      'init asks questions but no terminal is attached; pass --yes and give settings as flags ' +
        '(e.g. --yes --payout-address ckb1… --cloud local)',
    );
  }
  const interactive = !yes;
  const configPath = resolve((values.config as string | undefined) ?? DEFAULT_CONFIG);
  let existing: unknown = {};
  if (existsSync(configPath)) {
    try {
      existing = parseYaml(readFileSync(configPath, 'utf8')) ?? {};
    } catch (e) {
      throw new UsageError(
        `${configPath} is not valid YAML (${(e as Error).message.split('\n')[0]}); fix or move it`,
        1,
      );
    }
    deps.print(`Updating ${configPath} (its values are the defaults).\n`);
  }
  // The chain follows from a given payout address unless it is given too.
  const flagAddress = values['payout-address'] as string | undefined;
  if (flagAddress && values.chain === undefined && getPath(existing, 'chain') === undefined) {
    try {
      values.chain = decodeAddress(flagAddress).chain;
    } catch {
      // The address check below reports the problem.
    }
  }

  const draft: Draft = {};
  const problems: string[] = [];
  let wallet: WalletResult | undefined;
  for (const f of FIELD_LIST) {
    const flag = values[f.flag];
    let value: unknown;
    if (f.path === 'payoutAddress' && getPath(draft, 'payouts.enabled') === true) {
      // Payouts: the block assembler pays the pool wallet, whose key lives in the secrets folder.
      try {
        const secretsDir = expandPath(
          (values['secrets-dir'] as string | undefined) ??
            (getPath(existing, 'secretsDir') as string | undefined) ??
            'secrets',
          dirname(configPath),
        );
        wallet = await poolWallet(secretsDir, draft.chain as Chain, values, interactive, deps);
      } catch (e) {
        problems.push(`pool wallet: ${(e as Error).message}`);
        continue;
      }
      if (flag !== undefined && flag !== wallet.address) {
        problems.push(
          `--payout-address: with payouts enabled the block assembler pays the pool wallet (${wallet.address}); leave --payout-address out`,
        );
        continue;
      }
      value = wallet.address;
    } else if (flag !== undefined) {
      try {
        value = f.kind.fromFlag(flag as string | string[]);
      } catch (e) {
        problems.push(`--${f.flag}: ${(e as Error).message}`);
        continue;
      }
    } else {
      const previous = getPath(existing, f.path);
      const proposal = previous ?? defaultOf(f, draft) ?? f.suggest?.(draft);
      if (interactive && f.prompt && (f.ask?.(draft) ?? true)) {
        if (!deps.prompter) throw new Error('interactive init needs a prompter');
        value = await ask(deps.prompter, f, draft, proposal);
      } else {
        value = proposal;
        if (previous === undefined && defaultOf(f, draft) === undefined && value !== undefined) {
          deps.print(`${f.path}: ${display(value)} (default; change with --${f.flag})\n`);
        }
      }
      if (value === undefined) {
        if (isRequired(f, draft))
          problems.push(`--${f.flag} is required${draft.cloud ? ` for cloud ${draft.cloud}` : ''}: ${f.doc}`);
        continue;
      }
    }
    const r = validateField(f, value, draft);
    if (r.problem) problems.push(`--${f.flag} (${f.path}): ${r.problem}`);
    else setPath(draft, f.path, r.value);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(draft, { source: configPath });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  writeFileSync(configPath, configToYaml(config), { mode: 0o644 });
  const secretsDir = expandPath(config.secretsDir, dirname(configPath));
  const secrets = ensureSecrets(secretsDir);
  const ignored = ensureGitignore(dirname(resolve(configPath)), resolve(dirname(configPath), secretsDir));
  deps.print(
    `Wrote ${configPath}\n` +
      secrets.created.map((p) => `Created secret ${p} (mode 0600)\n`).join('') +
      secrets.kept.map((p) => `Kept existing secret ${p}\n`).join('') +
      (wallet ? walletText(wallet) : '') +
      (ignored.length > 0 ? `Added to .gitignore: ${ignored.join(' ')}\n` : '') +
      `SV2 authority public key (miners pin it in the pool URL): ${secrets.authorityPublicKey}\n` +
      `Next: ckb-pool-deploy render --config ${configPath} --out bundle\n`,
  );
  return 0;
}

/** Creates, imports or keeps the pool wallet key; the import path is asked when a terminal is there. */
async function poolWallet(
  secretsDir: string,
  chain: Chain,
  values: Record<string, unknown>,
  interactive: boolean,
  deps: InitDeps,
): Promise<WalletResult> {
  let from = values['import-wallet-key'] as string | undefined;
  if (
    from === undefined &&
    interactive &&
    deps.prompter &&
    !existsSync(resolve(secretsDir, WALLET_KEY_FILE))
  ) {
    const answer = await deps.prompter.input({
      message: 'Import an existing pool wallet key from a file (path; empty creates a new key)',
      validate: (v) => (v.trim() === '' || existsSync(v.trim()) ? true : `${v.trim()} does not exist`),
    });
    from = answer.trim() === '' ? undefined : answer.trim();
  }
  return ensureWalletKey(secretsDir, chain, from === undefined ? undefined : resolve(from));
}

function walletText(w: WalletResult): string {
  const what = { created: 'Created', imported: 'Imported', kept: 'Kept existing' }[w.outcome];
  return (
    `${what} pool wallet key ${w.path} (mode 0600; back it up: it holds the pool's rewards)\n` +
    `Pool wallet address (the node's block assembler pays it; payouts are sent from it): ${w.address}\n`
  );
}

async function inquirerPrompter(): Promise<Prompter> {
  const { input, select, confirm } = await import('@inquirer/prompts');
  return {
    // inquirer takes a default only when there is one.
    input: ({ default: d, ...q }) => input({ ...q, ...(d !== undefined && { default: d }) }),
    select: (q) => select(q),
    confirm: ({ default: d, ...q }) => confirm({ ...q, ...(d !== undefined && { default: d }) }),
  };
}

const command: Command = {
  get help() {
    return help();
  },
  async run(argv) {
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const wantsPrompts = interactive && !argv.includes('--yes');
    return runInit(argv, {
      interactive,
      prompter: wantsPrompts ? await inquirerPrompter() : undefined,
      print: (t) => process.stdout.write(t),
    });
  },
};
export default command;
