/**
 * The PostgreSQL side of a cluster's `status`, `backup` and `restore`: one POSIX shell script per
 * operation, run as root on the host that reaches the shared ledger (the node host when
 * PostgreSQL runs there, else a pool host: RDS admits the pool hosts only). The PostgreSQL tools
 * come from the `postgres:16` image (the major version the ledger runs; the hosts have no client
 * installed), the password from the bundle's secrets folder into the environment, never a
 * command line. `tool` is a prefix so the same script runs against a local server in tests.
 *
 *   inspect  what the ledger holds (JSON summary, the shape backup-ledger.ts uses)
 *   dump     pg_dump --format=custom into the scratch folder (one snapshot, while pools write),
 *            then a summary read back from the dump itself, so it describes exactly that copy
 *   restore  refuses a non-empty ledger without FORCE, then pg_restore --clean in one transaction
 */
import { LEDGER_DATABASE, POSTGRES_IMAGE } from '../bundle/hosts.js';
import { REMOTE_BUNDLE_DIR, shellQuote } from './backup-host.js';
import { EXIT_NOT_EMPTY } from './backup-ledger.js';

export const PG_DUMP_FILE = 'ledger.pgdump';
export type PgLedgerOp = 'inspect' | 'dump' | 'restore';

/** Where the ledger is, as the state of `up` recorded it. */
export interface PgLedgerAddress {
  host: string;
  port: number;
  /** RDS: TLS required; PostgreSQL on the node host: the private network, no TLS. */
  tls: boolean;
}

/** libpq connection string (no password: that comes from PGPASSWORD). */
export function conninfo(
  a: PgLedgerAddress,
  user: string = LEDGER_DATABASE.user,
  db: string = LEDGER_DATABASE.name,
) {
  return `host=${a.host} port=${a.port} dbname=${db} user=${user} sslmode=${a.tls ? 'require' : 'disable'}`;
}

/** On a deployed host: the tools in a one-off postgres container, the password from the bundle. */
export function remoteToolPrefix(scratch?: string): string {
  // Expanded unquoted by the script: the scratch folder is mktemp's, without spaces.
  if (scratch !== undefined && !/^[A-Za-z0-9/._-]+$/.test(scratch))
    throw new Error(`unexpected scratch folder '${scratch}'`);
  const mount = scratch ? ` -v ${scratch}:${scratch}` : '';
  return `docker run --rm --network host -e PGPASSWORD${mount} ${POSTGRES_IMAGE}`;
}

export const REMOTE_PASSWORD_PREAMBLE = `PGPASSWORD=$(cat ${REMOTE_BUNDLE_DIR}/secrets/ledger-password)\nexport PGPASSWORD\n`;

const SUMMARY_SQL =
  "SELECT json_build_object('exists', true, " +
  "'shares', (SELECT count(*) FROM shares), 'workers', (SELECT count(*) FROM workers), " +
  "'blocks', (SELECT count(*) FROM blocks), " +
  "'acceptedShares', (SELECT coalesce(sum(accepted_shares), 0) FROM workers), " +
  "'schemaVersion', (SELECT value FROM meta WHERE key = 'schema_version'), " +
  "'bytes', pg_database_size(current_database()))";

const NO_LEDGER =
  '{"exists":false,"shares":0,"workers":0,"blocks":0,"acceptedShares":0,"schemaVersion":null,"bytes":0}';

/** Shell functions every operation uses. `rows TABLE COLUMN` reads a table's rows (and Σ COLUMN) from the dump. */
const FUNCTIONS = String.raw`
psql_() { $TOOL psql -X -v ON_ERROR_STOP=1 -qtA "$CONN" -c "$1"; }
# Explicit exit: -e does not apply inside an if condition, and no answer is not "no ledger".
has_ledger() { v=$(psql_ "SELECT to_regclass('public.meta') IS NOT NULL") || exit 5; [ "$v" = t ]; }
summary() { if has_ledger; then psql_ "$SUMMARY_SQL"; else echo '$NO_LEDGER'; fi; }
rows() {
  $TOOL pg_restore --data-only --table="$1" --file=- "$DUMP" | awk -v want="$2" '
    /^COPY / { c = 1; idx = 0; h = $0; sub(/^[^(]*\(/, "", h); sub(/\).*$/, "", h)
               n = split(h, cols, ", "); for (i = 1; i <= n; i++) if (cols[i] == want) idx = i; next }
    /^\\\.$/ { c = 0; next }
    c { r++; if (idx) { split($0, f, "\t"); s += f[idx] } }
    END { printf "%.0f %.0f\n", r, s }'
}
`;

/** The script for `op`; `tool` prefixes every PostgreSQL program ('' = the ones on PATH). */
export function pgLedgerScript(
  op: PgLedgerOp,
  o: { conn: string; scratch: string; tool: string; force?: boolean; preamble?: string },
): string {
  const head =
    (o.preamble ?? '') +
    `CONN=${shellQuote(o.conn)}\nTOOL=${shellQuote(o.tool)}\nFORCE=${o.force ? 1 : 0}\nDUMP=${shellQuote(`${o.scratch}/${PG_DUMP_FILE}`)}\n` +
    `SUMMARY_SQL=${shellQuote(SUMMARY_SQL)}\n` +
    FUNCTIONS.replace('$NO_LEDGER', NO_LEDGER);
  if (op === 'inspect') return `${head}summary\n`;
  if (op === 'dump') {
    return (
      head +
      String.raw`has_ledger || { echo "the database holds no pool ledger (has a pool host ever started?)" >&2; exit 4; }
rm -f "$DUMP"
$TOOL pg_dump --format=custom --no-owner --no-privileges --file="$DUMP" "$CONN"
set -- $(rows shares id); shares=$1
set -- $(rows workers accepted_shares); workers=$1; accepted=$2
set -- $(rows blocks id); blocks=$1
version=$($TOOL pg_restore --data-only --table=meta --file=- "$DUMP" | awk -F '\t' '/^\\\.$/ { c = 0 } c && $1 == "schema_version" { print $2 } /^COPY / { c = 1 }')
bytes=$(wc -c < "$DUMP" | tr -d ' ')
printf '{"exists":true,"shares":%s,"workers":%s,"blocks":%s,"acceptedShares":%s,"schemaVersion":"%s","bytes":%s}\n' "$shares" "$workers" "$blocks" "$accepted" "$version" "$bytes"
`
    );
  }
  return (
    head +
    `[ -s "$DUMP" ] || { echo "no dump at $DUMP" >&2; exit 4; }
$TOOL pg_restore --list "$DUMP" > /dev/null || { echo "$DUMP is not a pg_dump archive" >&2; exit 4; }
if has_ledger && [ "$FORCE" != 1 ]; then
  n=$(psql_ "SELECT (SELECT count(*) FROM shares) + (SELECT count(*) FROM workers) + (SELECT count(*) FROM blocks)")
  if [ "$n" != 0 ]; then echo "the ledger is not empty ($n shares, workers and blocks)" >&2; exit ${EXIT_NOT_EMPTY}; fi
fi
$TOOL pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error --dbname="$CONN" "$DUMP"
summary
`
  );
}
