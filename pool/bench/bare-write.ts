/**
 * The floor under any per-connection broadcast: one bare socket.write of a frame-sized buffer
 * to as many plain TCP connections (no Noise, no SV2), from the same process the pool runs in,
 * to sockets the same load process holds. Kept open beside the pool's connections so each new
 * tip can be paired with a floor measured right before it, on the same machine state.
 */
import { createServer, type Socket } from 'node:net';
import type { LoadDriver } from './load-driver.js';

export interface BareWriteRun {
  /** Wall time of the write loop. */
  ms: number;
  /** CPU of the write loop alone (the floor as first defined). */
  cpuMs: number;
  /** With the writes' completions that run right after it (the pool's broadcast CPU has them). */
  withCompletionsCpuMs: number;
}

export interface BareWriteFloor {
  /** Sockets actually open (the per-socket figures divide by this). */
  sockets: number;
  write(): Promise<BareWriteRun>;
  close(): Promise<void>;
}

export async function openBareWriteFloor(
  load: LoadDriver,
  count: number,
  frameLength: number,
): Promise<BareWriteFloor> {
  const sockets: Socket[] = [];
  const server = createServer({ noDelay: true }, (sock) => {
    sock.on('error', () => {});
    sockets.push(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  load.send({
    cmd: 'rawConnect',
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    count,
  });
  await load.next('rawConnected');
  const end = Date.now() + 30_000;
  while (sockets.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const frame = Buffer.alloc(frameLength, 7);
  return {
    sockets: sockets.length,
    async write() {
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (const sock of sockets) sock.write(frame);
      const ms = performance.now() - t0;
      const cpuMs = cpuMsSince(cpu0);
      await new Promise((r) => setImmediate(r));
      return { ms, cpuMs, withCompletionsCpuMs: cpuMsSince(cpu0) };
    },
    async close() {
      load.send({ cmd: 'rawClose' });
      await load.next('rawClosed');
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function cpuMsSince(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}
