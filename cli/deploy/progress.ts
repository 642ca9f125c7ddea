/**
 * What the operator sees while a deployment runs: one line per step. On a terminal the current
 * step is a spinner with its elapsed time and the tool's latest output line; elsewhere (CI,
 * pipes) a plain "==> step" line when it starts and "ok"/"FAILED" when it ends. The tools' full
 * output goes to the log file, never here.
 */

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class Progress {
  private title = '';
  private started = 0;
  private last = '';
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly tty: boolean;

  constructor(
    private readonly out: OutputStream,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.isTTY === true;
  }

  start(title: string): void {
    this.stopTimer();
    this.title = title;
    this.started = this.now();
    this.last = '';
    if (this.tty) {
      this.timer = setInterval(() => this.render(), 100);
      this.timer.unref();
      this.render();
    } else {
      this.out.write(`==> ${title}\n`);
    }
  }

  /** The tool's latest output line (shown on a terminal only; already masked). */
  line(text: string): void {
    const t = text.trim();
    if (t) this.last = t;
  }

  succeed(detail = ''): void {
    this.finish('✔', 'ok', detail);
  }

  fail(detail = ''): void {
    this.finish('✖', 'FAILED', detail);
  }

  /** A message between steps. */
  info(text: string): void {
    this.out.write(`${text}\n`);
  }

  private finish(mark: string, word: string, detail: string): void {
    this.stopTimer();
    const took = seconds(this.now() - this.started);
    const tail = detail ? ` — ${detail}` : '';
    if (this.tty) this.out.write(`\r\x1b[2K${mark} ${this.title} (${took})${tail}\n`);
    else this.out.write(`    ${word} (${took})${tail}\n`);
  }

  private render(): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const head = `${FRAMES[this.frame++ % FRAMES.length]} ${this.title} (${seconds(this.now() - this.started)})`;
    const room = width - head.length - 3;
    const tail = this.last && room > 10 ? ` · ${this.last.slice(0, room)}` : '';
    this.out.write(`\r\x1b[2K${head}${tail}`);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
