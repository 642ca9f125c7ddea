import type { MinerStats } from './miner.js';

/** Human units for a hashrate in H/s: "812.3 kH/s". */
export function formatHashrate(hps: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** One progress line of `ckb-pool mine`. */
export function summaryLine(s: MinerStats, currentRate: number): string {
  const reasons = Object.entries(s.rejectReasons)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');
  return (
    `${formatHashrate(currentRate)} | accepted ${s.accepted} rejected ${s.rejected}` +
    (reasons ? ` (${reasons})` : '') +
    (s.protocol === 'sv2' ? ` | blocks ${s.blocks}` : '') +
    ` | ${s.connected ? 'connected' : 'connecting'}`
  );
}
