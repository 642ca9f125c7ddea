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
 * mining protocol at version 2 and neither rolls versions nor lets the client select work, so
 * a client that requires either is refused with exactly those flags.
 */
export function answerSetupConnection(m: SetupConnection): SetupConnectionSuccess | SetupConnectionError {
  if (m.protocol !== PROTOCOL_MINING) return refuse(0, ErrorCodes.unsupportedProtocol);
  if (m.minVersion > SV2_VERSION || m.maxVersion < SV2_VERSION) {
    return refuse(0, ErrorCodes.protocolVersionMismatch);
  }
  const unsupported = m.flags & (SETUP_REQUIRES_WORK_SELECTION | SETUP_REQUIRES_VERSION_ROLLING);
  if (unsupported !== 0) return refuse(unsupported, ErrorCodes.unsupportedFeatureFlags);
  return { type: 'SetupConnectionSuccess', usedVersion: SV2_VERSION, flags: 0 };
}

function refuse(flags: number, errorCode: string): SetupConnectionError {
  return { type: 'SetupConnectionError', flags, errorCode };
}
