import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Command, UsageError } from './command.js';

/** Names of the commands found in a `commands/` folder, sorted, test files excluded. */
export function commandNames(dir: URL): string[] {
  return readdirSync(fileURLToPath(dir))
    .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(dir: URL, name: string): Promise<Command> {
  const mod = (await import(pathToFileURL(`${fileURLToPath(dir)}/${name}.ts`).href)) as { default: Command };
  return mod.default;
}

/**
 * Runs `argv` (without node and script) against the commands in `dir` and resolves to the exit
 * code. Usage errors print a one-line message and the hint to `--help`, never a stack trace.
 */
export async function dispatch(program: string, intro: string, dir: URL, argv: string[]): Promise<number> {
  const names = commandNames(dir);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = [intro, '', `Usage: ${program} <command> [options]`, '', 'Commands:'];
    for (const n of names) lines.push(`  ${n.padEnd(12)} ${(await load(dir, n)).summary}`);
    lines.push('', `Run '${program} <command> --help' for a command's options.`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  if ((name === '--version' || name === '-v') && names.includes('version')) {
    return (await load(dir, 'version')).run([]);
  }
  if (!names.includes(name)) {
    process.stderr.write(`${program}: unknown command '${name}'. Commands: ${names.join(', ')}.\n`);
    return 2;
  }
  const command = await load(dir, name);
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
