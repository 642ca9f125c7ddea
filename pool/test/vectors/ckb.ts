/**
 * A handful of CKB facts as this repository's own test data, so a fresh clone and public CI
 * check Eaglesong and header PoW without the full reference sets (which .ci/run also checks,
 * from ../shared, when that folder is beside the repository). Each entry names where it was
 * first published.
 */

/** Eaglesong (RFC 0010) of short inputs: nervosnetwork/eaglesong's test vectors. */
export const EAGLESONG_VECTORS: ReadonlyArray<{ inputHex: string; eaglesong: string }> = [
  { inputHex: '', eaglesong: '9e4452fc7aed93d7240b7b55263792befd1be09252b456401122ba71a56f62a0' },
  { inputHex: '61', eaglesong: '34d81e6aa4551c99edba23e65b69af25b478f5e8233461a7a8c0eb3f40407c97' },
  { inputHex: '616263', eaglesong: '1e93baa3ff9f8afa381430b7811d428c5b4514f39f6a78d00511b20305067b68' },
  {
    inputHex: '6d65737361676520646967657374',
    eaglesong: 'f1d33eb7907454979d67d06dd6995806e397941a8280a25cbabecb43496217e3',
  },
  {
    inputHex: '6162636465666768696a6b6c6d6e6f707172737475767778797a',
    eaglesong: 'e759b93888208f7df31f749590a7c59420deb04810bae49744cc43f4e3b8094f',
  },
  {
    inputHex:
      '4142434445464748494a4b4c4d4e4f505152535455565758595a6162636465666768696a6b6c6d6e6f707172737475767778797a30313233343536373839',
    eaglesong: '2893d0188b08fdc50bad2e9854ff74210eb9805f20f15d7ee1f5410163bcd295',
  },
  {
    inputHex:
      '3132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930',
    eaglesong: '5f68529f2cbea3c01ef570f0fe03e19c4fa0a1a366ab21fa75e686def0fb726a',
  },
  {
    inputHex: '313131313131313131313131313131313131313131313131313131313131313131310a',
    eaglesong: 'a50a3310f78cbaeadcffe2d46262119eeeda9d6568b4df1b636399742c867aca',
  },
];

/** Real chain headers (JSON-RPC field names) with their pow_hash, nonce and PoW value. */
export interface RealHeaderVector {
  chain: string;
  powFunc: 'Eaglesong' | 'EaglesongBlake2b';
  header: Record<string, string>;
  powHash: string;
  nonceLe: string;
  powValue: string;
  source: string;
}

export const REAL_HEADERS: readonly RealHeaderVector[] = [
  {
    chain: 'mainnet',
    powFunc: 'Eaglesong',
    header: {
      version: '0x0',
      compact_target: '0x1a08a97e',
      timestamp: '0x16e70e809f4',
      number: '0x1',
      epoch: '0x6cf0001000000',
      parent_hash: '0x92b197aa1fba0f63633922c61c92375c9c074a93e85963554f5499fe1450d0e5',
      transactions_root: '0xba9b40dd7a1cc2fa555bcf6b1b101eceaca8a1dfaf9ef11a2f5a69a7a0fc83c7',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x10e9164f761ea12ea5f6ff75f28623007b7f682a0f00000000710b00c0fefe06',
      nonce: '0xc51ed98b84000000000000002372b8ff',
      hash: '0x2567f226c73b04a6cb3ef04b3bb10ab99f37850794cd9569be7de00bac4db875',
    },
    powHash: '0xe0dd7127451d18d7078f390a733471256866fd65069eb694030752ad803d07c2',
    nonceLe: 'ffb8722300000000000000848bd91ec5',
    powValue: '0x000000000000025f4da7b19f6dc28cf5cbc8f063678c29768b9b0fc386bad6b8',
    source: 'ckb-js/lumos block number 1',
  },
  {
    chain: 'mainnet',
    powFunc: 'Eaglesong',
    header: {
      version: '0x0',
      compact_target: '0x1a08a97e',
      timestamp: '0x16e70f2f2d6',
      number: '0x2',
      epoch: '0x6cf0002000000',
      parent_hash: '0x2567f226c73b04a6cb3ef04b3bb10ab99f37850794cd9569be7de00bac4db875',
      transactions_root: '0x3e5568918574b8c01b7955136e52aa99d56ff4c57ab421fc9eb675a57474c215',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x985dfa1f981ea12e47ed3e7cf2862300b1402d221600000000710b00c0fefe06',
      nonce: '0x2b6b0115000000000000000026cff016',
      hash: '0x2af0fc6ec802df6d1da3db2bfdd59159d210645092a3df82125d20b523e0ea83',
    },
    powHash: '0x9294e37de38c397bd7534aaac2f7c23bea7b091fa7dfbda13bfeb1517db95454',
    nonceLe: '16f0cf26000000000000000015016b2b',
    powValue: '0x000000000000036536e354aee34b640561647b89401097f40ca506206d0c251d',
    source: 'ckb-js/lumos block number 2',
  },
  {
    chain: 'mainnet',
    powFunc: 'Eaglesong',
    header: {
      version: '0x0',
      compact_target: '0x1a08a97e',
      timestamp: '0x16e70f2f473',
      number: '0x3',
      epoch: '0x6cf0003000000',
      parent_hash: '0x2af0fc6ec802df6d1da3db2bfdd59159d210645092a3df82125d20b523e0ea83',
      transactions_root: '0xca98fa956ae14ba6f3f679f2f59d39cf01755062a133f6d58a3ba8d3df916a16',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x20d2ddf0b91ea12ee5e37d82f2862300cc02f2191d00000000710b00c0fefe06',
      nonce: '0x4d1a732200000000000017b50000013e',
      hash: '0x247167d03a723f6b8999da09d94b61fadf47f94364d729cb6272edc1f20009b7',
    },
    powHash: '0xee018cfce9caa99f6b97b665db4c6dabc469525a1dcdef00c4ed8cfee6a86a56',
    nonceLe: '3e010000b51700000000000022731a4d',
    powValue: '0x00000000000004a1384f1653adf8f36eb76b4e37da07ae967d8de663bf9a9ff9',
    source: 'ckb-js/lumos block number 3',
  },
  {
    chain: 'mainnet',
    powFunc: 'Eaglesong',
    header: {
      version: '0x0',
      compact_target: '0x1a1e4c2f',
      timestamp: '0x17061eab69e',
      number: '0xd8fc4',
      epoch: '0x53f00fa000232',
      parent_hash: '0xc02e01eb57b205c6618c9870667ed90e13adb7e9a7ae00e7a780067a6bfa6a7b',
      transactions_root: '0xffb0863f4ae1f3026ba99b2458de2fa69881f7508599e2ff1ee51a54c88b5f88',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x4bfe53a5a9bb9a30c88898b9dfe22300a58f2bafed47680000d3b9f5b6630107',
      nonce: '0xca8c7caa8100003400231b4f9d6e0300',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      hash: '0x51d199c4060f703344eab3c9b8794e6c60195ae9093986c35dba7c3486224409',
    },
    powHash: '0x38b94e2aa7871a4ecb1a9f4758db78ab6eee3c10ab80a2b00c369a87db9e504e',
    nonceLe: '00036e9d4f1b230034000081aa7c8cca',
    powValue: '0x0000000000000fbea956a1847b93ae1057d72307483a149f9d85dc4ba3d9b8fd',
    source: '(not identified; HTLC/duktape tutorial found through the code index, file id 18342102321)',
  },
  {
    chain: 'testnet (Pudge)',
    powFunc: 'EaglesongBlake2b',
    header: {
      version: '0x0',
      compact_target: '0x1e015555',
      timestamp: '0x1723b97ebe0',
      number: '0x1',
      epoch: '0x3e80001000000',
      parent_hash: '0x10639e0895502b5688a6be8cf69460d76541bfa4821629d86d62ba0aae3f9606',
      transactions_root: '0x8521525b77a3a0a1ce91dc3d2b6a3fd0aa83f56d3823fdf44dfe769221b0df4d',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x0850ad1da71ea12e44fea37af286230005bf0a6f1a00000000b2b49f02fbfe06',
      nonce: '0x40a79c2b920952bef0e40d436fe8eed6',
      hash: '0xd5ac7cf8c34a975bf258a34f1c2507638487ab71aa4d10a9ec73704aa3abf9cd',
    },
    powHash: '0x38d036f370bd3e4c087c663faf31804d76740fc035f1b1a0ebf31640d0dc48e9',
    nonceLe: 'd6eee86f430de4f0be5209922b9ca740',
    powValue: '0x0000009e0eece932a5bff07bc00d331c0b7fdfbac745825843df8550852ac231',
    source: 'nervosnetwork/ckb header',
  },
  {
    chain: 'testnet (Pudge)',
    powFunc: 'EaglesongBlake2b',
    header: {
      version: '0x0',
      compact_target: '0x1e015555',
      timestamp: '0x1723b9816e2',
      number: '0x2',
      epoch: '0x3e80002000000',
      parent_hash: '0xd5ac7cf8c34a975bf258a34f1c2507638487ab71aa4d10a9ec73704aa3abf9cd',
      transactions_root: '0x3af9d029db435059e21d56b9b5ea53845ec1c22116228da2945c9cc45c586226',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      dao: '0x0c37a20ee21ea12e7dfc8685f28623005ab527942600000000b2b49f02fbfe06',
      nonce: '0xed9d619119bb353f49dd68d65748250b',
      hash: '0x718f65776c27b5fe76a0c95c618442420906ccf66acee1ab9ecb589f2fbcdc7e',
    },
    powHash: '0x41a8881c977a9f9592045409c2af476b7366668116c3d1eef061d304463ccc7b',
    nonceLe: '0b254857d668dd493f35bb1991619ded',
    powValue: '0x000000b257d81a4a52a6afd3c759f820e75b0dab7989dd84fa4c370c9396b252',
    source: 'nervosnetwork/ckb header',
  },
  {
    chain: 'testnet (Pudge)',
    powFunc: 'EaglesongBlake2b',
    header: {
      version: '0x0',
      compact_target: '0x1e015555',
      timestamp: '0x1723b988073',
      number: '0x3',
      epoch: '0x3e80003000000',
      parent_hash: '0x718f65776c27b5fe76a0c95c618442420906ccf66acee1ab9ecb589f2fbcdc7e',
      transactions_root: '0x1f8d4796f6bd8031c9b9574dd058588acb2ba642ee3e974dfca1df82eeaf1d10',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0x528209acc27f71ca986c2534ed6942cc22acb4dbb47f948e98eecdbf5699e2ab',
      dao: '0x101e97ff1c1fa12eacfa6990f286230065ae44b93200000000b2b49f02fbfe06',
      nonce: '0x3d9fa9f6c221354191a9cbbf30ae0702',
      hash: '0x2753e0851bcb3423274a755b98329570c5c79fb41d57ba554f863d5a6b32d0fa',
    },
    powHash: '0x1d335a65e86f89ccc545b0e02f6ca9396a3240722be23d9a7dfd2af94bb1d4ae',
    nonceLe: '0207ae30bfcba991413521c2f6a99f3d',
    powValue: '0x000001452dff99e251b3d85125a2426ad063becd8f7c456e26a94462935a1b81',
    source: 'nervosnetwork/ckb header',
  },
];
