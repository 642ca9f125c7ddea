/**
 * Protocol numbers, flags and error-code strings of the profile (docs/protocol.md §3). Error codes are free text on the wire; these are the ones we send,
 * spelled as SRI's `ERROR_CODE_*` constants (stratum sv2/subprotocols/*) wherever SRI has one.
 */

/** SetupConnection.protocol */
export const PROTOCOL_MINING = 0;
export const PROTOCOL_JOB_DECLARATION = 1;
export const PROTOCOL_TEMPLATE_DISTRIBUTION = 2;

/** The only SV2 protocol version that exists. */
export const SV2_VERSION = 2;

/** Extension ids (15-bit; the channel bit is added on the wire for channel messages). */
export const EXTENSION_CORE = 0x0000;
export const EXTENSION_NEGOTIATION = 0x0001;
export const EXTENSION_WORKER_HASHRATE = 0x0002;
/** "CKB mining": NewCkbJob / SubmitSharesCkb. On the wire 0xCCCB (channel messages). */
export const EXTENSION_CKB = 0x4ccb;

/** SetupConnection.flags for protocol = mining (client → server). */
export const SETUP_REQUIRES_STANDARD_JOBS = 1 << 0;
export const SETUP_REQUIRES_WORK_SELECTION = 1 << 1;
export const SETUP_REQUIRES_VERSION_ROLLING = 1 << 2;
/** SetupConnection.Success.flags for protocol = mining (server → client). */
export const SETUP_SUCCESS_REQUIRES_FIXED_VERSION = 1 << 0;
export const SETUP_SUCCESS_REQUIRES_EXTENDED_CHANNELS = 1 << 1;

/** SetupConnection.flags for protocol = job declaration: the JDC reveals the transaction data. */
export const JD_SETUP_DECLARE_TX_DATA = 1 << 0;

/** Nonce layout of this profile: 4-byte extranonce_prefix ‖ 12 bytes rolled downstream = 16. */
export const CKB_NONCE_SIZE = 16;
export const POOL_EXTRANONCE_PREFIX_SIZE = 4;
export const DOWNSTREAM_EXTRANONCE_SIZE = 12;

export const ErrorCodes = {
  // SetupConnection.Error
  unsupportedFeatureFlags: 'unsupported-feature-flags',
  unsupportedProtocol: 'unsupported-protocol',
  protocolVersionMismatch: 'protocol-version-mismatch',
  // OpenMiningChannel.Error
  ckbExtensionRequired: 'ckb-extension-required',
  maxTargetOutOfRange: 'max-target-out-of-range',
  /** Also SubmitShares.Error: an extension 0x0002 user_identity TLV over 32 bytes. */
  invalidUserIdentity: 'invalid-user-identity',
  invalidNominalHashrate: 'invalid-nominal-hashrate',
  minExtranonceSizeTooLarge: 'min-extranonce-size-too-large',
  channelCapacityExhausted: 'channel-capacity-exhausted',
  /** An extended channel on a connection whose SetupConnection set REQUIRES_STANDARD_JOBS. */
  extendedChannelsNotSupportedForStandardJobs: 'extended-channels-not-supported-for-standard-jobs',
  // UpdateChannel.Error (also invalid-nominal-hashrate, max-target-out-of-range) / SubmitShares.Error
  invalidChannelId: 'invalid-channel-id',
  invalidJobId: 'invalid-job-id',
  staleShare: 'stale-share',
  duplicateShare: 'duplicate-share',
  difficultyTooLow: 'difficulty-too-low',
  /** The nonce suffix does not fill the 16-byte nonce after the prefix (SRI's name for a wrong extranonce size). */
  badExtranonceSize: 'bad-extranonce-size',
  // SetCustomMiningJob.Error (also invalid-channel-id)
  /** This pool selects the work itself: no connection declared REQUIRES_WORK_SELECTION. */
  jdNotSupported: 'jd-not-supported',
  /** SubmitShares.Error: a 0x4CCB worker_id TLV naming no declared worker of the channel. */
  unknownWorkerId: 'unknown-worker-id',
  // DeclareWorker.Error (also invalid-channel-id)
  /** Empty, over 255 bytes of UTF-8, or with control characters. */
  invalidWorkerName: 'invalid-worker-name',
  /** Also SubmitShares.Error: accounts.mode `address` and the name does not start with an address of the pool's chain. */
  notAnAddress: 'not-an-address',
  /** Also SubmitShares.Error: accounts.mode `registered` and the name (its part before the first '.') is not registered. */
  unregisteredName: 'unregistered-name',
  /** The channel already holds `limits.maxDeclaredWorkersPerChannel` declared workers. */
  tooManyDeclaredWorkers: 'too-many-declared-workers',
} as const;

/**
 * DeclareMiningJob.Error codes of a CKB JDS (docs/job-declaration-ckb.md §5), and the extra
 * SetCustomMiningJob.Error codes of §6. Free text on the wire, like every SV2 error code.
 */
export const JdErrorCodes = {
  invalidMiningJobToken: 'invalid-mining-job-token',
  unsupportedJobFormat: 'unsupported-job-format',
  unknownParent: 'unknown-parent',
  staleParent: 'stale-parent',
  invalidNumber: 'invalid-number',
  invalidEpoch: 'invalid-epoch',
  invalidCompactTarget: 'invalid-compact-target',
  invalidVersion: 'invalid-version',
  invalidTimestamp: 'invalid-timestamp',
  invalidDao: 'invalid-dao',
  invalidCellbase: 'invalid-cellbase',
  invalidCellbaseLock: 'invalid-cellbase-lock',
  invalidCellbaseReward: 'invalid-cellbase-reward',
  invalidTransaction: 'invalid-transaction',
  transactionNotProposed: 'transaction-not-proposed',
  missingTransactions: 'missing-transactions',
  invalidProposals: 'invalid-proposals',
  invalidUncles: 'invalid-uncles',
  invalidExtension: 'invalid-extension',
  blockTooLarge: 'block-too-large',
  blockCyclesExceeded: 'block-cycles-exceeded',
  // SetupConnection.Error on the JD listener / SetCustomMiningJob.Error
  declareTxDataRequired: 'declare-tx-data-required',
  workSelectionNotNegotiated: 'work-selection-not-negotiated',
  standardChannelsNotSupported: 'standard-channels-not-supported-for-custom-work',
} as const;

export type JdErrorCode = (typeof JdErrorCodes)[keyof typeof JdErrorCodes];

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
