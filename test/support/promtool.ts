import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertRules, prometheusAlerts } from '../../cli/bundle/monitoring.js';
import { yamlText } from '../../cli/bundle/render.js';

/**
 * Runs the bundle's alert rules through Prometheus's own `promtool test rules`, so an alert test
 * checks the expression Prometheus evaluates, not our reading of it.
 */

export function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What promtool must see for alert `name` firing: the rule's labels (plus `labels`) and annotations. */
export function firing(name: string, labels: Record<string, string> = {}) {
  const rule = alertRules().find((x) => x.alert === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return { exp_labels: { ...rule.labels, ...labels }, exp_annotations: rule.annotations };
}

/** Evaluates promtool rule tests against the bundle's alerts; throws with promtool's report. */
export function promtoolTest(tests: unknown[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  writeFileSync(join(dir, 'alerts.yml'), yamlText(prometheusAlerts()));
  writeFileSync(
    join(dir, 'test.yml'),
    stringify({ rule_files: ['alerts.yml'], evaluation_interval: '1m', tests }),
  );
  try {
    execFileSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    // promtool names the failing alert and the difference on stdout.
    throw new Error(String((e as { stdout?: Buffer }).stdout ?? e));
  }
}
