import {
  EXTENSION_CKB,
  EXTENSION_WORKER_HASHRATE,
  type RequestExtensions,
  type RequestExtensionsError,
  type RequestExtensionsSuccess,
} from '../../sv2/messages/index.js';

/** The extensions this pool speaks: 0x4CCB (CKB jobs and shares) and 0x0002 (worker TLVs). */
export const SUPPORTED_EXTENSIONS: readonly number[] = [EXTENSION_CKB, EXTENSION_WORKER_HASHRATE];

/**
 * How long a client whose RequestExtensions left 0x4CCB out has to ask again with it before the
 * pool disconnects (extension 0x0001 §4: "If the client does not retry with the required
 * extension, the server MUST disconnect the client").
 */
export const REQUIRED_EXTENSION_RETRY_MS = 10_000;

/** What a connection has negotiated so far. */
export interface Negotiated {
  ckb: boolean;
  /** Extension 0x0002: SubmitSharesCkb may carry a user_identity TLV. */
  workerHashrate: boolean;
}

/**
 * Extension negotiation (extension 0x0001, RequestExtensions). Success lists the requested
 * extensions we support; without 0x4CCB (required, in this request or an earlier one) the
 * answer is Error naming the unsupported ones and 0x4CCB, and nothing is negotiated.
 */
export function answerRequestExtensions(
  m: RequestExtensions,
  before: Negotiated,
): { reply: RequestExtensionsSuccess | RequestExtensionsError; negotiated: Negotiated } {
  const supported = m.requestedExtensions.filter((e) => SUPPORTED_EXTENSIONS.includes(e));
  if (supported.includes(EXTENSION_CKB) || (before.ckb && supported.length > 0)) {
    return {
      reply: { type: 'RequestExtensionsSuccess', requestId: m.requestId, supportedExtensions: supported },
      negotiated: {
        ckb: true,
        workerHashrate: before.workerHashrate || supported.includes(EXTENSION_WORKER_HASHRATE),
      },
    };
  }
  return {
    reply: {
      type: 'RequestExtensionsError',
      requestId: m.requestId,
      unsupportedExtensions: m.requestedExtensions.filter((e) => !SUPPORTED_EXTENSIONS.includes(e)),
      requiredExtensions: [EXTENSION_CKB],
    },
    negotiated: before,
  };
}
