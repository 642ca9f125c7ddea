/**
 * The JSON shapes of SRI's monitoring REST API, recorded from sv2-apps so our pool and
 * translator can be checked against them (pool/src/api/sri-monitoring.ts serves them).
 *
 * Read from the stored public repository stratum-mining/sv2-apps:
 * - the field lists and types: `stratum-apps/src/monitoring/openapi.json` at commit
 *   fff6abcaf02338035fadeb2a4ebf01c63a31118d (utoipa's output for the Rust structs below, one
 *   consistent snapshot of all of them);
 * - checked against the Rust structs: `client.rs` at 2b7b5755183531ef8cfb4de6de5c8afbe03d5c28
 *   (ExtendedChannelInfo, StandardChannelInfo, Sv2ClientMetadata, Sv2ClientsSummary,
 *   Sv2ClientKind), `sv1.rs` at 80f1056b6a5b478feb01b534cb58a70546cb7a57 (Sv1ClientInfo,
 *   Sv1ClientsSummary), `mod.rs` at 61472b9a37eca0b4c8442864757ed25d55e4cca8 (GlobalInfo),
 *   `server.rs` at 8d6c4b6c66a8893c05e6e10ebb6c4aaea79d17f1 (an older ServerExtendedChannelInfo
 *   with `share_work_sum`; openapi.json's newer one has `acknowledged_work_sum` and
 *   `validated_work_sum`, which we follow), and `http_server.rs` at
 *   9649f8efdb619ad30d549ef9fb6ed8d4be2f6743 (routes, response structs, pagination:
 *   DEFAULT_LIMIT 25, MAX_LIMIT 100, `offset` default 0; 404 `{ error }` for a part the app
 *   does not monitor).
 *
 * Type notation: `integer` (a JSON number that is a non-negative integer: Rust usize/u32/u64),
 * `number` (f32/f64), `string`, `boolean`, a `?` suffix for a Rust Option (serialized as null:
 * the structs have no skip_serializing_if), `map<integer>` for HashMap<String, u32>, `[Name]`
 * for Vec<Name>, a schema name for a nested struct, `enum:a|b` for a snake_case enum.
 *
 * Left out on purpose: the fields behind sv2-apps' `asic-rs-telemetry` cargo feature
 * (`management_ip`, `miner_telemetry`, `miner_telemetry_status`), which SRI itself omits unless
 * built with it; and `full_extranonce_size`/`rollable_extranonce_size`/`version_rolling`, which
 * only the extended variants of the channel structs have (listed on those).
 */
export const SRI_MONITORING_SOURCE = {
  repo: 'stratum-mining/sv2-apps',
  path: 'stratum-apps/src/monitoring/openapi.json',
  commit: 'fff6abcaf02338035fadeb2a4ebf01c63a31118d',
} as const;

export const SRI_PAGINATION = { defaultLimit: 25, maxLimit: 100 } as const;

const CHANNEL_COMMON = {
  channel_id: 'integer',
  user_identity: 'string',
  nominal_hashrate: 'number',
  stable_hashrate: 'boolean',
  target_hex: 'string',
  requested_max_target_hex: 'string',
  extranonce_prefix_hex: 'string',
  expected_shares_per_minute: 'number',
  shares_accepted: 'integer',
  shares_rejected: 'integer',
  shares_rejected_by_reason: 'map<integer>',
  share_work_sum: 'number',
  last_share_sequence_number: 'integer',
  best_diff: 'number',
  last_batch_accepted: 'integer',
  last_batch_work_sum: 'integer',
  share_batch_size: 'integer',
  blocks_found: 'integer',
} as const;

const SERVER_CHANNEL_COMMON = {
  channel_id: 'integer',
  user_identity: 'string',
  nominal_hashrate: 'number?',
  target_hex: 'string',
  extranonce_prefix_hex: 'string',
  shares_acknowledged: 'integer',
  shares_submitted: 'integer',
  shares_rejected: 'integer',
  shares_rejected_by_reason: 'map<integer>',
  acknowledged_work_sum: 'integer',
  validated_work_sum: 'number',
  best_diff: 'number',
  blocks_found: 'integer',
} as const;

export const SRI_SCHEMAS: Record<string, Record<string, string>> = {
  HealthResponse: { status: 'string', timestamp: 'integer' },
  ErrorResponse: { error: 'string' },
  GlobalInfo: {
    server: 'ServerSummary?',
    sv2_clients: 'Sv2ClientsSummary?',
    sv1_clients: 'Sv1ClientsSummary?',
    uptime_secs: 'integer',
  },
  ServerSummary: {
    total_channels: 'integer',
    extended_channels: 'integer',
    standard_channels: 'integer',
    total_hashrate: 'number',
  },
  Sv2ClientsSummary: {
    total_clients: 'integer',
    total_channels: 'integer',
    extended_channels: 'integer',
    standard_channels: 'integer',
    total_hashrate: 'number',
  },
  Sv1ClientsSummary: { total_clients: 'integer', total_hashrate: 'number' },
  ServerResponse: {
    extended_channels_count: 'integer',
    standard_channels_count: 'integer',
    total_hashrate: 'number',
  },
  ServerChannelsResponse: {
    offset: 'integer',
    limit: 'integer',
    total_extended: 'integer',
    total_standard: 'integer',
    extended_channels: '[ServerExtendedChannelInfo]',
    standard_channels: '[ServerStandardChannelInfo]',
  },
  ServerExtendedChannelInfo: {
    ...SERVER_CHANNEL_COMMON,
    full_extranonce_size: 'integer',
    rollable_extranonce_size: 'integer',
    version_rolling: 'boolean',
  },
  ServerStandardChannelInfo: { ...SERVER_CHANNEL_COMMON },
  Sv2ClientsResponse: { offset: 'integer', limit: 'integer', total: 'integer', items: '[Sv2ClientMetadata]' },
  Sv2ClientMetadata: {
    client_id: 'integer',
    client_kind: 'enum:miner|translator_proxy|unknown',
    extended_channels_count: 'integer',
    standard_channels_count: 'integer',
    total_hashrate: 'number',
  },
  Sv2ClientResponse: {
    client_id: 'integer',
    client_kind: 'enum:miner|translator_proxy|unknown',
    extended_channels_count: 'integer',
    standard_channels_count: 'integer',
    total_hashrate: 'number',
  },
  Sv2ClientChannelsResponse: {
    client_id: 'integer',
    offset: 'integer',
    limit: 'integer',
    total_extended: 'integer',
    total_standard: 'integer',
    extended_channels: '[ExtendedChannelInfo]',
    standard_channels: '[StandardChannelInfo]',
  },
  ExtendedChannelInfo: {
    ...CHANNEL_COMMON,
    full_extranonce_size: 'integer',
    rollable_extranonce_size: 'integer',
  },
  StandardChannelInfo: { ...CHANNEL_COMMON },
  Sv1ClientsResponse: { offset: 'integer', limit: 'integer', total: 'integer', items: '[Sv1ClientInfo]' },
  Sv1ClientInfo: {
    client_id: 'integer',
    channel_id: 'integer?',
    connection_ip: 'string',
    sv1_username: 'string',
    sv1_worker_name: 'string',
    target_hex: 'string',
    hashrate: 'number?',
    stable_hashrate: 'boolean',
    extranonce1_hex: 'string',
    extranonce2_len: 'integer',
    version_rolling_mask: 'string?',
    version_rolling_min_bit: 'string?',
  },
};

/** Which schema each route answers with (200); every route answers ErrorResponse with 404. */
export const SRI_ROUTES: Record<string, string> = {
  '/api/v1/health': 'HealthResponse',
  '/api/v1/global': 'GlobalInfo',
  '/api/v1/server': 'ServerResponse',
  '/api/v1/server/channels': 'ServerChannelsResponse',
  '/api/v1/clients': 'Sv2ClientsResponse',
  '/api/v1/clients/{client_id}': 'Sv2ClientResponse',
  '/api/v1/clients/{client_id}/channels': 'Sv2ClientChannelsResponse',
  '/api/v1/sv1/clients': 'Sv1ClientsResponse',
  '/api/v1/sv1/clients/{client_id}': 'Sv1ClientInfo',
};

/**
 * Every way `value` differs from schema `name`: a missing field, a JSON type other than the
 * recorded one, or a field SRI does not have. Empty when the value has SRI's shape.
 */
export function shapeProblems(value: unknown, name: string, at = name): string[] {
  const schema = SRI_SCHEMAS[name];
  if (!schema) return [`${at}: no schema ${name}`];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`];
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, type] of Object.entries(schema)) {
    if (!(field in obj)) problems.push(`${at}.${field}: missing`);
    else problems.push(...typeProblems(obj[field], type, `${at}.${field}`));
  }
  for (const field of Object.keys(obj)) if (!(field in schema)) problems.push(`${at}.${field}: not in SRI`);
  return problems;
}

function typeProblems(v: unknown, type: string, at: string): string[] {
  if (type.endsWith('?')) return v === null ? [] : typeProblems(v, type.slice(0, -1), at);
  const bad = (): string[] => [`${at}: expected ${type}, got ${JSON.stringify(v)}`];
  if (type === 'integer') return Number.isInteger(v) && (v as number) >= 0 ? [] : bad();
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v) ? [] : bad();
  if (type === 'string') return typeof v === 'string' ? [] : bad();
  if (type === 'boolean') return typeof v === 'boolean' ? [] : bad();
  if (type.startsWith('enum:'))
    return type
      .slice(5)
      .split('|')
      .includes(v as string)
      ? []
      : bad();
  if (type === 'map<integer>') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad();
    return Object.entries(v).flatMap(([k, x]) => typeProblems(x, 'integer', `${at}.${k}`));
  }
  const list = /^\[(\w+)\]$/.exec(type);
  if (list) {
    if (!Array.isArray(v)) return bad();
    return v.flatMap((x, i) => shapeProblems(x, list[1] as string, `${at}[${i}]`));
  }
  return shapeProblems(v, type, at);
}
