/**
 * CKB transactions as the block template carries them: Molecule encoding (for tx hash =
 * ckbhash(RawTransaction) and witness hash = ckbhash(Transaction)) and the node's strict JSON.
 * The pool never edits a transaction; it only has to reproduce the node's bytes exactly.
 */
import { ckbhash } from './hash.js';
import { bytesToHex0x, toMinimalHex } from './hex.js';
import {
  bytesVec,
  concatBytes,
  dynvec,
  expectSize,
  fixvec,
  MoleculeError,
  option,
  readBytes,
  readDynvec,
  readFixvec,
  readOption,
  readTable,
  readU32,
  readU64,
  table,
  u32le,
  u64le,
} from './molecule.js';
import {
  JsonFieldError,
  jsonArray,
  jsonByte32,
  jsonBytes,
  jsonStrictObject,
  jsonU32,
  jsonUint,
} from './molecule-json.js';

/** "data", "type", or "dataN" (N = 1..127, the VM version); Molecule byte data=0, type=1, dataN=N<<1. */
export type ScriptHashType = 'data' | 'type' | `data${number}`;
export type DepType = 'code' | 'dep_group';

export interface Script {
  codeHash: Uint8Array;
  hashType: ScriptHashType;
  args: Uint8Array;
}
export interface OutPoint {
  txHash: Uint8Array;
  index: number;
}
export interface CellInput {
  since: bigint;
  previousOutput: OutPoint;
}
export interface CellOutput {
  capacity: bigint;
  lock: Script;
  type: Script | null;
}
export interface CellDep {
  outPoint: OutPoint;
  depType: DepType;
}
export interface RawTransaction {
  version: number;
  cellDeps: CellDep[];
  headerDeps: Uint8Array[];
  inputs: CellInput[];
  outputs: CellOutput[];
  outputsData: Uint8Array[];
}
export interface Transaction extends RawTransaction {
  witnesses: Uint8Array[];
}
/** The cellbase's witness: who the block's reward goes to (paid out 11 blocks later). */
export interface CellbaseWitness {
  lock: Script;
  message: Uint8Array;
}
export interface WitnessArgs {
  lock: Uint8Array | null;
  inputType: Uint8Array | null;
  outputType: Uint8Array | null;
}

// ---- hash type / dep type bytes ----

export function hashTypeToByte(t: ScriptHashType): number {
  if (t === 'data') return 0;
  if (t === 'type') return 1;
  const m = /^data([1-9][0-9]{0,2})$/.exec(t);
  const n = m ? Number(m[1]) : 0;
  if (n < 1 || n > 127) throw new RangeError(`unknown script hash_type: ${t}`);
  return n << 1;
}

export function hashTypeFromByte(b: number): ScriptHashType {
  if (b === 0) return 'data';
  if (b === 1) return 'type';
  if (b % 2 === 0 && b <= 254) return `data${b >> 1}`;
  throw new RangeError(`invalid script hash_type byte: ${b}`);
}

function depTypeToByte(t: DepType): number {
  if (t === 'code') return 0;
  if (t === 'dep_group') return 1;
  throw new RangeError(`unknown dep_type: ${t}`);
}

// ---- Molecule encoding ----

export function serializeScript(s: Script): Uint8Array {
  return table([
    expectSize(s.codeHash, 32, 'Script.code_hash'),
    Uint8Array.of(hashTypeToByte(s.hashType)),
    bytesVec(s.args),
  ]);
}

export function serializeOutPoint(o: OutPoint): Uint8Array {
  return concatBytes(expectSize(o.txHash, 32, 'OutPoint.tx_hash'), u32le(o.index));
}

function serializeCellInput(i: CellInput): Uint8Array {
  return concatBytes(u64le(i.since), serializeOutPoint(i.previousOutput));
}

export function serializeCellOutput(o: CellOutput): Uint8Array {
  return table([u64le(o.capacity), serializeScript(o.lock), option(o.type && serializeScript(o.type))]);
}

function serializeCellDep(d: CellDep): Uint8Array {
  return concatBytes(serializeOutPoint(d.outPoint), Uint8Array.of(depTypeToByte(d.depType)));
}

export function serializeRawTransaction(tx: RawTransaction): Uint8Array {
  return table([
    u32le(tx.version),
    fixvec(tx.cellDeps.map(serializeCellDep)),
    fixvec(tx.headerDeps.map((h) => expectSize(h, 32, 'RawTransaction.header_deps[]'))),
    fixvec(tx.inputs.map(serializeCellInput)),
    dynvec(tx.outputs.map(serializeCellOutput)),
    dynvec(tx.outputsData.map(bytesVec)),
  ]);
}

export function serializeTransaction(tx: Transaction): Uint8Array {
  return table([serializeRawTransaction(tx), dynvec(tx.witnesses.map(bytesVec))]);
}

export function serializeWitnessArgs(w: WitnessArgs): Uint8Array {
  const opt = (b: Uint8Array | null) => option(b && bytesVec(b));
  return table([opt(w.lock), opt(w.inputType), opt(w.outputType)]);
}

export function serializeCellbaseWitness(w: CellbaseWitness): Uint8Array {
  return table([serializeScript(w.lock), bytesVec(w.message)]);
}

/** Transaction hash: ckbhash of the RawTransaction (no witnesses). */
export function txHash(tx: RawTransaction): Uint8Array {
  return ckbhash(serializeRawTransaction(tx));
}

/** Witness hash: ckbhash of the whole Transaction. */
export function witnessHash(tx: Transaction): Uint8Array {
  return ckbhash(serializeTransaction(tx));
}

/** Both hashes of a transaction, serializing the RawTransaction once (block assembly). */
export function transactionHashes(tx: Transaction): { txHash: Uint8Array; witnessHash: Uint8Array } {
  const raw = serializeRawTransaction(tx);
  return {
    txHash: ckbhash(raw),
    witnessHash: ckbhash(table([raw, dynvec(tx.witnesses.map(bytesVec))])),
  };
}

/** Script hash (lock hash / type hash): ckbhash of the Script table. */
export function scriptHash(s: Script): Uint8Array {
  return ckbhash(serializeScript(s));
}

// ---- Molecule decoding ----

export function deserializeScript(buf: Uint8Array, what = 'Script'): Script {
  const [codeHash, hashType, args] = readTable(buf, 3, what);
  expectSize(codeHash, 32, `${what}.code_hash`);
  expectSize(hashType, 1, `${what}.hash_type`);
  let ht: ScriptHashType;
  try {
    ht = hashTypeFromByte(hashType[0]);
  } catch (err) {
    throw new MoleculeError(`${what}.hash_type: ${(err as Error).message}`);
  }
  return { codeHash: codeHash.slice(), hashType: ht, args: readBytes(args, `${what}.args`).slice() };
}

function deserializeOutPoint(buf: Uint8Array): OutPoint {
  return { txHash: buf.slice(0, 32), index: readU32(buf, 32) };
}

function deserializeCellOutput(buf: Uint8Array, what: string): CellOutput {
  const [capacity, lock, type] = readTable(buf, 3, what);
  expectSize(capacity, 8, `${what}.capacity`);
  const t = readOption(type);
  return {
    capacity: readU64(capacity),
    lock: deserializeScript(lock, `${what}.lock`),
    type: t && deserializeScript(t, `${what}.type`),
  };
}

export function deserializeRawTransaction(buf: Uint8Array, what = 'RawTransaction'): RawTransaction {
  const [version, cellDeps, headerDeps, inputs, outputs, outputsData] = readTable(buf, 6, what);
  expectSize(version, 4, `${what}.version`);
  return {
    version: readU32(version),
    cellDeps: readFixvec(cellDeps, 37, `${what}.cell_deps`).map((d, i) => {
      if (d[36] > 1) throw new MoleculeError(`${what}.cell_deps[${i}].dep_type: invalid byte ${d[36]}`);
      return { outPoint: deserializeOutPoint(d), depType: d[36] === 0 ? 'code' : 'dep_group' };
    }),
    headerDeps: readFixvec(headerDeps, 32, `${what}.header_deps`).map((h) => h.slice()),
    inputs: readFixvec(inputs, 44, `${what}.inputs`).map((i) => ({
      since: readU64(i),
      previousOutput: deserializeOutPoint(i.subarray(8)),
    })),
    outputs: readDynvec(outputs, `${what}.outputs`).map((o, i) =>
      deserializeCellOutput(o, `${what}.outputs[${i}]`),
    ),
    outputsData: readDynvec(outputsData, `${what}.outputs_data`).map((d, i) =>
      readBytes(d, `${what}.outputs_data[${i}]`).slice(),
    ),
  };
}

export function deserializeTransaction(buf: Uint8Array, what = 'Transaction'): Transaction {
  const [raw, witnesses] = readTable(buf, 2, what);
  return {
    ...deserializeRawTransaction(raw, `${what}.raw`),
    witnesses: readDynvec(witnesses, `${what}.witnesses`).map((w, i) =>
      readBytes(w, `${what}.witnesses[${i}]`).slice(),
    ),
  };
}

export function deserializeWitnessArgs(buf: Uint8Array, what = 'WitnessArgs'): WitnessArgs {
  const [lock, inputType, outputType] = readTable(buf, 3, what);
  const opt = (b: Uint8Array, f: string) => {
    const inner = readOption(b);
    return inner && readBytes(inner, `${what}.${f}`).slice();
  };
  return {
    lock: opt(lock, 'lock'),
    inputType: opt(inputType, 'input_type'),
    outputType: opt(outputType, 'output_type'),
  };
}

export function deserializeCellbaseWitness(buf: Uint8Array, what = 'CellbaseWitness'): CellbaseWitness {
  const [lock, message] = readTable(buf, 2, what);
  return {
    lock: deserializeScript(lock, `${what}.lock`),
    message: readBytes(message, `${what}.message`).slice(),
  };
}

/**
 * The reward lock and message of a cellbase (its only witness), e.g. to check that a template
 * pays the pool's configured lock. Null when the transaction has no decodable cellbase witness.
 */
export function cellbaseWitnessOf(cellbase: Transaction): CellbaseWitness | null {
  if (cellbase.witnesses.length !== 1) return null;
  try {
    return deserializeCellbaseWitness(cellbase.witnesses[0]);
  } catch (err) {
    if (err instanceof MoleculeError) return null;
    throw err;
  }
}

// ---- node JSON ----

export interface ScriptJson {
  code_hash: string;
  hash_type: string;
  args: string;
}
export interface OutPointJson {
  tx_hash: string;
  index: string;
}
export interface CellInputJson {
  since: string;
  previous_output: OutPointJson;
}
export interface CellOutputJson {
  capacity: string;
  lock: ScriptJson;
  type: ScriptJson | null;
}
export interface CellDepJson {
  out_point: OutPointJson;
  dep_type: string;
}
export interface TransactionJson {
  version: string;
  cell_deps: CellDepJson[];
  header_deps: string[];
  inputs: CellInputJson[];
  outputs: CellOutputJson[];
  outputs_data: string[];
  witnesses: string[];
}

export function scriptToJson(s: Script): ScriptJson {
  return { code_hash: bytesToHex0x(s.codeHash), hash_type: s.hashType, args: bytesToHex0x(s.args) };
}

function outPointToJson(o: OutPoint): OutPointJson {
  return { tx_hash: bytesToHex0x(o.txHash), index: toMinimalHex(o.index) };
}

/** The node's JSON `Transaction` (exact field order of its serde structs). */
export function transactionToJson(tx: Transaction): TransactionJson {
  return {
    version: toMinimalHex(tx.version),
    cell_deps: tx.cellDeps.map((d) => ({ out_point: outPointToJson(d.outPoint), dep_type: d.depType })),
    header_deps: tx.headerDeps.map(bytesToHex0x),
    inputs: tx.inputs.map((i) => ({
      since: toMinimalHex(i.since),
      previous_output: outPointToJson(i.previousOutput),
    })),
    outputs: tx.outputs.map((o) => ({
      capacity: toMinimalHex(o.capacity),
      lock: scriptToJson(o.lock),
      type: o.type && scriptToJson(o.type),
    })),
    outputs_data: tx.outputsData.map(bytesToHex0x),
    witnesses: tx.witnesses.map(bytesToHex0x),
  };
}

function scriptFromJson(v: unknown, what = 'script'): Script {
  const o = jsonStrictObject(v, ['code_hash', 'hash_type', 'args'], what);
  const hashType = o.hash_type;
  if (typeof hashType !== 'string')
    throw new JsonFieldError(`${what}.hash_type`, 'expected a string such as "type"');
  try {
    hashTypeToByte(hashType as ScriptHashType);
  } catch {
    throw new JsonFieldError(`${what}.hash_type`, `unknown hash type "${hashType.slice(0, 40)}"`);
  }
  return {
    codeHash: jsonByte32(o.code_hash, `${what}.code_hash`),
    hashType: hashType as ScriptHashType,
    args: jsonBytes(o.args, `${what}.args`),
  };
}

function outPointFromJson(v: unknown, what: string): OutPoint {
  const o = jsonStrictObject(v, ['tx_hash', 'index'], what);
  return { txHash: jsonByte32(o.tx_hash, `${what}.tx_hash`), index: jsonU32(o.index, `${what}.index`) };
}

function list<T>(v: unknown, what: string, item: (x: unknown, w: string) => T): T[] {
  return jsonArray(v, what).map((x, i) => item(x, `${what}[${i}]`));
}

/** Parses the node's JSON `Transaction` strictly (unknown fields rejected, like the node). */
export function transactionFromJson(v: unknown, what = 'transaction'): Transaction {
  const o = jsonStrictObject(
    v,
    ['version', 'cell_deps', 'header_deps', 'inputs', 'outputs', 'outputs_data', 'witnesses'],
    what,
  );
  return {
    version: jsonU32(o.version, `${what}.version`),
    cellDeps: list(o.cell_deps, `${what}.cell_deps`, (x, w) => {
      const d = jsonStrictObject(x, ['out_point', 'dep_type'], w);
      if (d.dep_type !== 'code' && d.dep_type !== 'dep_group') {
        throw new JsonFieldError(`${w}.dep_type`, 'expected "code" or "dep_group"');
      }
      return { outPoint: outPointFromJson(d.out_point, `${w}.out_point`), depType: d.dep_type };
    }),
    headerDeps: list(o.header_deps, `${what}.header_deps`, jsonByte32),
    inputs: list(o.inputs, `${what}.inputs`, (x, w) => {
      const i = jsonStrictObject(x, ['since', 'previous_output'], w);
      return {
        since: jsonUint(i.since, 64, `${w}.since`),
        previousOutput: outPointFromJson(i.previous_output, `${w}.previous_output`),
      };
    }),
    outputs: list(o.outputs, `${what}.outputs`, (x, w) => {
      const c = jsonStrictObject(x, ['capacity', 'lock', 'type'], w);
      return {
        capacity: jsonUint(c.capacity, 64, `${w}.capacity`),
        lock: scriptFromJson(c.lock, `${w}.lock`),
        type: c.type === null || c.type === undefined ? null : scriptFromJson(c.type, `${w}.type`),
      };
    }),
    outputsData: list(o.outputs_data, `${what}.outputs_data`, (x, w) => jsonBytes(x, w)),
    witnesses: list(o.witnesses, `${what}.witnesses`, (x, w) => jsonBytes(x, w)),
  };
}
