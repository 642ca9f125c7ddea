import { checkRegistration } from '../../pool/account-registry.js';
import { type Command, UsageError } from '../command.js';
import { loadConfigOption, parseLedgerCommand, withLedger } from '../ledger-command.js';

const help = `Usage: ckb-pool accounts register NAME ADDRESS | list | remove NAME --config FILE

The registry of accounts.mode registered (docs/pool-config.md, "Accounts"): a worker name, or
its part before the first '.', mapped to a CKB address of the pool's chain. Shares of NAME and
of every NAME.<worker> are credited (and paid) to ADDRESS; other names are refused
\`unregistered-name\`. A running pool picks up a change within 5 seconds.

  register NAME ADDRESS   Map NAME to ADDRESS (a name registered before moves to ADDRESS;
                          shares already credited stay with the old address).
  list                    Every registered name and its address.
  remove NAME             Forget NAME: its shares are refused from then on.

Options:
  --config FILE   pool.yaml (required): the chain and the ledger.
  -h, --help      Show this help.

Output is JSON on stdout.
`;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

const ARITY: Record<string, number> = { register: 2, list: 0, remove: 1 };

const command: Command = {
  help,
  async run(argv) {
    const { action, args, configFile } = parseLedgerCommand(argv);
    const arity = action === undefined ? undefined : ARITY[action];
    if (arity === undefined)
      throw new UsageError('expected one of: register NAME ADDRESS, list, remove NAME');
    if (args.length !== arity)
      throw new UsageError(
        action === 'register'
          ? 'register takes NAME ADDRESS'
          : action === 'remove'
            ? 'remove takes NAME'
            : 'list takes no arguments',
      );
    const config = loadConfigOption(configFile);
    if (action === 'list') {
      process.stdout.write(
        json({ accounts: await withLedger(config, (l) => Promise.resolve(l.registeredAccounts())) }),
      );
      return 0;
    }
    if (action === 'remove') {
      const name = args[0] as string;
      const removed = await withLedger(config, async (l) => l.removeAccount(name));
      if (!removed) throw new UsageError(`'${name}' is not registered`);
      process.stdout.write(json({ removed: name }));
      return 0;
    }
    let entry: { name: string; address: string };
    try {
      entry = checkRegistration(args[0] as string, args[1] as string, config.chain);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const added = await withLedger(config, async (l) => l.registerAccount(entry.name, entry.address));
    process.stdout.write(json({ ...entry, replaced: !added }));
    if (config.accounts.mode !== 'registered')
      process.stderr.write(
        `note: accounts.mode is ${config.accounts.mode} in ${configFile}; the registry is used only with accounts.mode: registered\n`,
      );
    return 0;
  },
};
export default command;
