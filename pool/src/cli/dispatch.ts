import { type Command, type CommandTable, UsageError } from './command.js';

/**
 * Runs `argv` (without node and script) against a command table and resolves to the exit
 * code. Only the command that runs is imported. Usage errors print a one-line message and the
 * hint to `--help`, never a stack trace.
 */
export async function dispatch(
  program: string,
  intro: string,
  commands: CommandTable,
  argv: string[],
): Promise<number> {
  const names = Object.keys(commands).sort();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = [intro, '', `Usage: ${program} <command> [options]`, '', 'Commands:'];
    for (const n of names) lines.push(`  ${n.padEnd(12)} ${commands[n].summary}`);
    lines.push('', `Run '${program} <command> --help' for a command's options.`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  if ((name === '--version' || name === '-v') && commands.version) {
    return (await load(commands, 'version')).run([]);
  }
  if (!Object.hasOwn(commands, name)) {
    process.stderr.write(`${program}: unknown command '${name}'. Commands: ${names.join(', ')}.\n`);
    return 2;
  }
  const command = await load(commands, name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${program} ${name}: ${err.message}\n(see '${program} ${name} --help')\n`);
      return err.exitCode;
    }
    throw err;
  }
}

async function load(commands: CommandTable, name: string): Promise<Command> {
  return (await commands[name].load()).default;
}
