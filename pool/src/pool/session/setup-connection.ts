import {
  ErrorCodes,
  PROTOCOL_MINING,
  SETUP_REQUIRES_VERSION_ROLLING,
  SETUP_REQUIRES_WORK_SELECTION,
  type SetupConnection,
  type SetupConnectionError,
  type SetupConnectionSuccess,
  SV2_VERSION,
} from '../../sv2/messages/index.js';

/**
 * The common subprotocol's one client message (docs/protocol.md §3): the pool speaks the
 * mining protocol at version 2 and never rolls versions; it lets the client select work only
 * while it runs a JDS (`workSelection`, docs/job-declaration-ckb.md §6). A client that requires
 * what the pool does not offer is refused with exactly those flags.
 */
export function answerSetupConnection(
  m: SetupConnection,
  workSelection = false,
): SetupConnectionSuccess | SetupConnectionError {
  if (m.protocol !== PROTOCOL_MINING) return refuse(0, ErrorCodes.unsupportedProtocol);
  if (m.minVersion > SV2_VERSION || m.maxVersion < SV2_VERSION) {
    return refuse(0, ErrorCodes.protocolVersionMismatch);
  }
  const refused = SETUP_REQUIRES_VERSION_ROLLING | (workSelection ? 0 : SETUP_REQUIRES_WORK_SELECTION);
  const unsupported = m.flags & refused;
  if (unsupported !== 0) return refuse(unsupported, ErrorCodes.unsupportedFeatureFlags);
  return { type: 'SetupConnectionSuccess', usedVersion: SV2_VERSION, flags: 0 };
}

function refuse(flags: number, errorCode: string): SetupConnectionError {
  return { type: 'SetupConnectionError', flags, errorCode };
}
