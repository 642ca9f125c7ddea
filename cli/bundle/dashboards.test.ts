import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DASHBOARDS, DISK_FREE_ALERT_RATIO, HOST_DISKS, nodeDashboard } from './dashboards.js';
import { HOST_METRIC, JOB } from './metrics.js';
import { alertRules, prometheusConfig } from './monitoring.js';

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!promtool)
  process.stdout.write(
    'SKIP dashboard query evaluation: promtool is not installed (Debian package prometheus)\n',
  );

const exprs = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap(exprs)
    : v && typeof v === 'object'
      ? Object.entries(v).flatMap(([k, x]) => (k === 'expr' && typeof x === 'string' ? [x] : exprs(x)))
      : [];

describe('block counts in dashboards and alerts', () => {
  // The pool counts each block once as `found` and again as `accepted` (or rejected…), so a
  // query over several outcomes of ckb_pool_blocks_total counts one block twice.
  const queries = [...Object.values(DASHBOARDS).flatMap((d) => exprs(d())), ...exprs(alertRules())];
  const blockQueries = queries.filter((q) => q.includes('ckb_pool_blocks_total'));

  it('exist', () => {
    expect(blockQueries.length).toBeGreaterThanOrEqual(2);
  });

  it('count every block once: found blocks by outcome="found" alone', () => {
    for (const q of blockQueries) expect(q, q).not.toMatch(/outcome=~"[^"]*found[^"]*\|/);
    expect(blockQueries.some((q) => q.includes('ckb_pool_blocks_total{outcome="found"}'))).toBe(true);
  });
});

describe('the host disk panels of the node dashboard', () => {
  const panels = (nodeDashboard().panels as { title: string; targets: { expr: string }[] }[]).filter((p) =>
    p.targets.some((t) => t.expr.includes(HOST_METRIC.filesystemAvail)),
  );
  const exprOf = (title: string) => panels.find((p) => p.title === title)!.targets[0].expr;
  const diskAlert = alertRules().find((r) => r.alert === 'DiskSpaceLow')!;

  it('show the free share and the free bytes of the host filesystems', () => {
    expect(panels.map((p) => p.title)).toEqual(['Chain disk free', 'Disk free space']);
  });

  it('select the filesystems the DiskSpaceLow alert watches, from the job Prometheus scrapes node_exporter as', () => {
    const fstype = /fstype!~"[^"]+"/.exec(HOST_DISKS)![0];
    expect(diskAlert.expr).toContain(`${HOST_METRIC.filesystemAvail}{${fstype}}`);
    expect(diskAlert.expr).toContain(`< ${DISK_FREE_ALERT_RATIO.toFixed(2)}`);
    const jobs = (prometheusConfig().scrape_configs as { job_name: string }[]).map((j) => j.job_name);
    expect(HOST_DISKS).toContain(`job="${JOB.host}"`);
    expect(jobs).toContain(JOB.host);
  });

  // promtool evaluates the panel queries on synthetic node_exporter series (when installed).
  it.skipIf(!promtool)('report the fullest real disk and leave tmpfs and other jobs out (promtool)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dash-'));
    writeFileSync(join(dir, 'none.yml'), 'groups: []\n');
    const fs = (metric: string, labels: string, value: number) => ({
      series: `${metric}{${labels}}`,
      values: `${value}x10`,
    });
    const root =
      'job="host", instance="node-exporter:9100", mountpoint="/", fstype="ext4", device="/dev/nvme0n1p1"';
    const boot =
      'job="host", instance="node-exporter:9100", mountpoint="/boot/efi", fstype="vfat", device="/dev/nvme0n1p15"';
    const shm =
      'job="host", instance="node-exporter:9100", mountpoint="/dev/shm", fstype="tmpfs", device="tmpfs"';
    const other = 'job="elsewhere", instance="x:9100", mountpoint="/", fstype="ext4", device="/dev/sda1"';
    const GB = 1e9;
    const tests = {
      rule_files: ['none.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            fs(HOST_METRIC.filesystemAvail, root, 24 * GB),
            fs(HOST_METRIC.filesystemSize, root, 300 * GB),
            fs(HOST_METRIC.filesystemAvail, boot, 0.1 * GB),
            fs(HOST_METRIC.filesystemSize, boot, 0.125 * GB),
            fs(HOST_METRIC.filesystemAvail, shm, 0),
            fs(HOST_METRIC.filesystemSize, shm, 1 * GB),
            fs(HOST_METRIC.filesystemAvail, other, 0),
            fs(HOST_METRIC.filesystemSize, other, 10 * GB),
          ],
          promql_expr_test: [
            {
              expr: exprOf('Chain disk free'),
              eval_time: '5m',
              exp_samples: [{ labels: '{}', value: 0.08 }],
            },
            {
              expr: exprOf('Disk free space'),
              eval_time: '5m',
              exp_samples: [
                { labels: `${HOST_METRIC.filesystemAvail}{${root}}`, value: 24 * GB },
                { labels: `${HOST_METRIC.filesystemAvail}{${boot}}`, value: 0.1 * GB },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    try {
      const out = execFileSync('promtool', ['test', 'rules', 'tests.yml'], { cwd: dir, encoding: 'utf8' });
      expect(out).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
