/**
 * Template Distribution protocol (spec 5.5; msg_type 0x70–0x76, never channel messages). CKB
 * does not use it (the pool asks the node for templates over RPC); the codecs exist so the
 * official sv2-tp vectors can check our binary layer and so such frames decode to something
 * readable in logs. The mining SetNewPrevHash owns that name, so 0x72 is 'TdpSetNewPrevHash'.
 */
import { codec, readU256, type Sv2MessageBase, writeU256 } from './codec.js';

export interface CoinbaseOutputConstraints extends Sv2MessageBase {
  type: 'CoinbaseOutputConstraints';
  coinbaseOutputMaxAdditionalSize: number;
  coinbaseOutputMaxAdditionalSigops: number;
}

export interface NewTemplate extends Sv2MessageBase {
  type: 'NewTemplate';
  templateId: bigint;
  futureTemplate: boolean;
  version: number;
  coinbaseTxVersion: number;
  coinbasePrefix: Uint8Array;
  coinbaseTxInputSequence: number;
  coinbaseTxValueRemaining: bigint;
  coinbaseTxOutputsCount: number;
  coinbaseTxOutputs: Uint8Array;
  coinbaseTxLocktime: number;
  merklePath: Uint8Array[];
}

export interface TdpSetNewPrevHash extends Sv2MessageBase {
  type: 'TdpSetNewPrevHash';
  templateId: bigint;
  prevHash: Uint8Array;
  headerTimestamp: number;
  nBits: number;
  target: Uint8Array;
}

export interface RequestTransactionData extends Sv2MessageBase {
  type: 'RequestTransactionData';
  templateId: bigint;
}

export interface RequestTransactionDataSuccess extends Sv2MessageBase {
  type: 'RequestTransactionDataSuccess';
  templateId: bigint;
  excessData: Uint8Array;
  transactionList: Uint8Array[];
}

export interface RequestTransactionDataError extends Sv2MessageBase {
  type: 'RequestTransactionDataError';
  templateId: bigint;
  errorCode: string;
}

export interface SubmitSolution extends Sv2MessageBase {
  type: 'SubmitSolution';
  templateId: bigint;
  version: number;
  headerTimestamp: number;
  headerNonce: number;
  coinbaseTx: Uint8Array;
}

export type TemplateDistributionMessage =
  | CoinbaseOutputConstraints
  | NewTemplate
  | TdpSetNewPrevHash
  | RequestTransactionData
  | RequestTransactionDataSuccess
  | RequestTransactionDataError
  | SubmitSolution;

export const templateDistributionCodecs = {
  CoinbaseOutputConstraints: codec<CoinbaseOutputConstraints>({
    type: 'CoinbaseOutputConstraints',
    specName: 'CoinbaseOutputConstraints',
    extensionType: 0,
    msgType: 0x70,
    channelMsg: false,
    encode(w, m) {
      w.u32(m.coinbaseOutputMaxAdditionalSize).u16(m.coinbaseOutputMaxAdditionalSigops);
    },
    decode: (r) => ({
      type: 'CoinbaseOutputConstraints',
      coinbaseOutputMaxAdditionalSize: r.u32(),
      coinbaseOutputMaxAdditionalSigops: r.u16(),
    }),
  }),
  NewTemplate: codec<NewTemplate>({
    type: 'NewTemplate',
    specName: 'NewTemplate',
    extensionType: 0,
    msgType: 0x71,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId).bool(m.futureTemplate).u32(m.version).u32(m.coinbaseTxVersion);
      w.b0_255(m.coinbasePrefix).u32(m.coinbaseTxInputSequence).u64(m.coinbaseTxValueRemaining);
      w.u32(m.coinbaseTxOutputsCount).b0_64k(m.coinbaseTxOutputs).u32(m.coinbaseTxLocktime);
      w.seq0_255(m.merklePath, writeU256);
    },
    decode: (r) => ({
      type: 'NewTemplate',
      templateId: r.u64(),
      futureTemplate: r.bool(),
      version: r.u32(),
      coinbaseTxVersion: r.u32(),
      coinbasePrefix: r.b0_255(),
      coinbaseTxInputSequence: r.u32(),
      coinbaseTxValueRemaining: r.u64(),
      coinbaseTxOutputsCount: r.u32(),
      coinbaseTxOutputs: r.b0_64k(),
      coinbaseTxLocktime: r.u32(),
      merklePath: r.seq0_255(readU256, 32),
    }),
  }),
  TdpSetNewPrevHash: codec<TdpSetNewPrevHash>({
    type: 'TdpSetNewPrevHash',
    specName: 'SetNewPrevHash (Template Distribution)',
    extensionType: 0,
    msgType: 0x72,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId).u256(m.prevHash).u32(m.headerTimestamp).u32(m.nBits).u256(m.target);
    },
    decode: (r) => ({
      type: 'TdpSetNewPrevHash',
      templateId: r.u64(),
      prevHash: r.u256(),
      headerTimestamp: r.u32(),
      nBits: r.u32(),
      target: r.u256(),
    }),
  }),
  RequestTransactionData: codec<RequestTransactionData>({
    type: 'RequestTransactionData',
    specName: 'RequestTransactionData',
    extensionType: 0,
    msgType: 0x73,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId);
    },
    decode: (r) => ({ type: 'RequestTransactionData', templateId: r.u64() }),
  }),
  RequestTransactionDataSuccess: codec<RequestTransactionDataSuccess>({
    type: 'RequestTransactionDataSuccess',
    specName: 'RequestTransactionData.Success',
    extensionType: 0,
    msgType: 0x74,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId).b0_64k(m.excessData);
      w.seq0_64k(m.transactionList, (x, tx) => {
        x.b0_16m(tx);
      });
    },
    decode: (r) => ({
      type: 'RequestTransactionDataSuccess',
      templateId: r.u64(),
      excessData: r.b0_64k(),
      transactionList: r.seq0_64k((x) => x.b0_16m(), 3),
    }),
  }),
  RequestTransactionDataError: codec<RequestTransactionDataError>({
    type: 'RequestTransactionDataError',
    specName: 'RequestTransactionData.Error',
    extensionType: 0,
    msgType: 0x75,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId).str0_255(m.errorCode);
    },
    decode: (r) => ({ type: 'RequestTransactionDataError', templateId: r.u64(), errorCode: r.str0_255() }),
  }),
  SubmitSolution: codec<SubmitSolution>({
    type: 'SubmitSolution',
    specName: 'SubmitSolution',
    extensionType: 0,
    msgType: 0x76,
    channelMsg: false,
    encode(w, m) {
      w.u64(m.templateId).u32(m.version).u32(m.headerTimestamp).u32(m.headerNonce).b0_64k(m.coinbaseTx);
    },
    decode: (r) => ({
      type: 'SubmitSolution',
      templateId: r.u64(),
      version: r.u32(),
      headerTimestamp: r.u32(),
      headerNonce: r.u32(),
      coinbaseTx: r.b0_64k(),
    }),
  }),
};
