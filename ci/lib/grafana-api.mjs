// Grafana's HTTP API as an operator reaches it, for ci/real-node-e2e.mjs: the loopback port and
// the admin password from the bundle's secret file (never printed). The pure checks on its answers are
// in real-node.mjs (unit-tested); this module only asks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forPrometheus } from './promql.mjs';
import {
  dashboardDatasources,
  dashboardProblems,
  dsQuery,
  dsQueryError,
  GRAFANA_PASSWORD_FILE,
} from './real-node.mjs';
import { info, waitFor } from './steps.mjs';

/** `(path, init) → { status, body }` against Grafana with the bundle's admin credentials. */
function grafanaClient(bundleDir, port) {
  const password = readFileSync(join(bundleDir, GRAFANA_PASSWORD_FILE), 'utf8').trim();
  if (!password) throw new Error(`the bundle's ${GRAFANA_PASSWORD_FILE} is empty`);
  const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  return async (path, init = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      ...init,
      headers: { authorization: auth, 'content-type': 'application/json', ...init.headers },
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

/** The dashboard JSON files the bundle provisions: `[{ file, uid, title, panels, … }]`. */
function provisionedDashboards(bundleDir) {
  const dir = join(bundleDir, 'grafana/dashboards');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no dashboard JSON in ${dir}`);
  return files.map((file) => ({ file, ...JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

/** Problems with how Grafana serves the provisioned dashboards (search, then each by uid). */
async function servedDashboardProblems(grafana, provisioned) {
  const search = await waitFor(
    'Grafana to list the provisioned dashboards',
    async () => {
      const r = await grafana('/api/search?type=dash-db');
      return r.status === 200 && provisioned.every((d) => r.body.some((s) => s.uid === d.uid))
        ? r.body
        : null;
    },
    { timeoutMs: 60_000, intervalMs: 3000 },
  );
  const loaded = {};
  for (const d of provisioned) {
    const r = await grafana(`/api/dashboards/uid/${d.uid}`);
    loaded[d.uid] = r.status === 200 ? r.body : null;
  }
  return dashboardProblems(provisioned, search, loaded);
}

/** Problems from Grafana's own health check of each datasource the dashboards name. */
async function datasourceProblems(grafana, uids) {
  const problems = [];
  for (const uid of uids) {
    const r = await grafana(`/api/datasources/uid/${uid}/health`);
    if (r.status === 200 && r.body?.status === 'OK') info(`datasource ${uid}: ${r.body.message}`);
    else
      problems.push(`datasource ${uid}: health ${r.status} ${r.body?.status ?? ''} ${r.body?.message ?? ''}`);
  }
  return problems;
}

/** Problems from running every panel query through Grafana (/api/ds/query); and how many ran. */
async function panelQueryProblems(grafana, provisioned) {
  const problems = [];
  let queries = 0;
  for (const d of provisioned) {
    for (const panel of d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))) {
      for (const t of panel.targets ?? []) {
        queries++;
        const uid = t.datasource?.uid ?? panel.datasource?.uid;
        const body = dsQuery(uid, forPrometheus(t.expr), { nowMs: Date.now() });
        const r = await grafana('/api/ds/query', { method: 'POST', body: JSON.stringify(body) });
        const error = dsQueryError(r.status, r.body);
        if (error) problems.push(`${d.file} "${panel.title}": ${error}`);
      }
    }
  }
  return { problems, queries };
}

/**
 * The dashboards the bundle provisions are the ones Grafana serves, every datasource they name
 * passes Grafana's health check, and every panel query runs. Throws listing every problem.
 */
export async function checkGrafana(bundleDir, port) {
  const grafana = grafanaClient(bundleDir, port);
  const provisioned = provisionedDashboards(bundleDir);
  const uids = [...new Set(provisioned.flatMap((d) => dashboardDatasources(d)))];
  // In this order: the first waits until Grafana has read its provisioning.
  const served = await servedDashboardProblems(grafana, provisioned);
  const health = await datasourceProblems(grafana, uids);
  const queries = await panelQueryProblems(grafana, provisioned);
  const problems = [...served, ...health, ...queries.problems];
  if (problems.length) throw new Error(`Grafana:\n  ${problems.join('\n  ')}`);
  info(
    `${provisioned.length} dashboards (${provisioned.map((d) => d.title).join(', ')}) served as provisioned; ` +
      `${uids.length} datasource(s) healthy; ${queries.queries} panel queries ran through Grafana`,
  );
}
