/**
 * The deploy log: every line every tool printed, with secrets masked, in one file per command
 * run. When a step fails, the CLI points at this file instead of flooding the terminal.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Environment variables whose values are credentials and must never reach a log. */
export const SECRET_ENV_VARS = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'ALICLOUD_SECRET_KEY',
  'ALICLOUD_SECURITY_TOKEN',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  // The names doctor also accepts (stacks/credentials.ts): masked as well.
  'ALIBABACLOUD_ACCESS_KEY_SECRET',
  'ALIBABACLOUD_SECURITY_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

export const MASK = '***';

/** Replaces every occurrence of the known secrets with `***`. */
export class Masker {
  private readonly secrets: string[] = [];

  add(...values: (string | undefined)[]): this {
    for (const v of values) {
      const s = v?.trim();
      // Very short values would mask ordinary words; real secrets are long.
      if (s && s.length >= 8 && !this.secrets.includes(s)) this.secrets.push(s);
    }
    // Longest first, so a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
    return this;
  }

  addFromEnv(env: NodeJS.ProcessEnv): this {
    return this.add(...SECRET_ENV_VARS.map((k) => env[k]));
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(MASK);
    return out;
  }
}

/** Log file name for one run of a command: `<command>-YYYYMMDD-HHMMSS.log`. */
export function logFileName(command: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '');
  return `${command}-${stamp}.log`;
}

export class DeployLog {
  /** Recent lines, for the tail shown when a step fails. */
  private readonly recent: string[] = [];

  constructor(
    readonly path: string,
    readonly masker: Masker,
    private readonly keepLines = 25,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    appendFileSync(path, '', { mode: 0o600 });
  }

  static inFolder(dir: string, command: string, masker: Masker, now = new Date()): DeployLog {
    return new DeployLog(join(dir, logFileName(command, now)), masker);
  }

  /** Appends one line (masked). */
  line(text: string): void {
    const masked = this.masker.mask(text);
    appendFileSync(this.path, `${masked}\n`);
    this.recent.push(masked);
    if (this.recent.length > this.keepLines) this.recent.shift();
  }

  /** A visible divider with the step's name, so the file reads as a sequence of steps. */
  section(title: string): void {
    this.line('');
    this.line(`==== ${title} (${new Date().toISOString()})`);
    this.recent.length = 0;
  }

  /** The last lines written since the current section started. */
  tail(n = 15): string[] {
    return this.recent.slice(-n);
  }
}
