import { connect, type Socket } from 'node:net';

/**
 * A raw Stratum V1 socket for wire-format tests: writes exactly the bytes given and records
 * every line received, in order, parsed (or as { raw } when not JSON).
 */
export class RawV1 {
  readonly lines: Array<Record<string, unknown>> = [];
  closed = false;
  private buf = '';
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl = this.buf.indexOf('\n');
      while (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
        nl = this.buf.indexOf('\n');
      }
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(url: string): Promise<RawV1> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port) }, () => resolve(new RawV1(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(text: string): void {
    this.socket.write(text);
  }

  send(id: unknown, method: string, params: unknown[]): void {
    this.write(`${JSON.stringify({ id, method, params })}\n`);
  }

  /** Waits until at least `n` lines arrived; returns them all. */
  async count(n: number, timeoutMs = 10_000): Promise<Array<Record<string, unknown>>> {
    await this.until(() => this.lines.length >= n, timeoutMs, `${n} lines (have ${this.lines.length})`);
    return this.lines;
  }

  /** Waits for the first line (from index `from`) matching `pred`. */
  async find(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await this.until(
      () => {
        found = this.lines.slice(from).find(pred);
        return found !== undefined;
      },
      timeoutMs,
      'a matching line',
    );
    return found as Record<string, unknown>;
  }

  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.closed && !cond()) throw new Error(`connection closed while waiting for ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
