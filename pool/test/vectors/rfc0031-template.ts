/**
 * RFC 0031's block hash test vector: a get_block_template response and the block hash the
 * node computes for the block assembled from it (nonce, extension and all). Kept as our own
 * test data so every clone checks template → block assembly against the chain's own answer.
 */
export const RFC0031_TEMPLATE_VECTOR = {
  name: 'rfc0031_block_hash_test_vector',
  chain: 'dev chain (pow Dummy, compact_target 0x20010000)',
  provenance: {
    repo: 'nervosnetwork/rfcs',
    commit: '4b502ffcb02fc7019e0dd4b5f866b5f09819cfbe',
    path: 'rfcs/0031-variable-length-header-field/0031-variable-length-header-field.md',
    section: 'Test Vectors / Block Hash',
  },
  template: {
    version: '0x0',
    compact_target: '0x20010000',
    current_time: '0x17af3f66555',
    number: '0x3',
    epoch: '0x3e80003000000',
    parent_hash: '0xebf229020f333100942279dc33303ae0dfcbe720d8d11818687e6654c157294c',
    cycles_limit: '0x2540be400',
    bytes_limit: '0x91c08',
    uncles_count_limit: '0x2',
    uncles: [],
    transactions: [
      {
        hash: '0x9110ca9266f89938f09ae6f93cc914b2c856cc842440d56fda6d16ee62543f5c',
        required: false,
        cycles: '0x19f2d1',
        depends: null,
        data: {
          version: '0x0',
          cell_deps: [
            {
              out_point: {
                tx_hash: '0xace5ea83c478bb866edf122ff862085789158f5cbff155b7bb5f13058555b708',
                index: '0x0',
              },
              dep_type: 'dep_group',
            },
          ],
          header_deps: [],
          inputs: [
            {
              since: '0x0',
              previous_output: {
                tx_hash: '0xa563884b3686078ec7e7677a5f86449b15cf2693f3c1241766c6996f206cc541',
                index: '0x7',
              },
            },
          ],
          outputs: [
            {
              capacity: '0x2540be400',
              lock: {
                code_hash: '0x709f3fda12f561cfacf92273c57a98fede188a3f1a59b1f888d113f9cce08649',
                hash_type: 'data',
                args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
              },
              type: null,
            },
            {
              capacity: '0x2540be400',
              lock: {
                code_hash: '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
                hash_type: 'type',
                args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
              },
              type: null,
            },
            {
              capacity: '0x2540be400',
              lock: {
                code_hash: '0x709f3fda12f561cfacf92273c57a98fede188a3f1a59b1f888d113f9cce08649',
                hash_type: 'data1',
                args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
              },
              type: null,
            },
          ],
          outputs_data: ['0x', '0x', '0x'],
          witnesses: [
            '0x550000001000000055000000550000004100000070b823564f7d1f814cc135ddd56fd8e8931b3a7040eaf1fb828adae29736a3cb0bc7f65021135b293d10a22da61fcc64f7cb660bf2c3276ad63630dad0b6099001',
          ],
        },
      },
    ],
    proposals: [],
    cellbase: {
      hash: '0x185d1c46fe3c4a0a1a5ae47203df2aeebbb97ac353abcf2c6a3fc2548ecd4eda',
      cycles: null,
      data: {
        version: '0x0',
        cell_deps: [],
        header_deps: [],
        inputs: [
          {
            since: '0x3',
            previous_output: {
              tx_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
              index: '0xffffffff',
            },
          },
        ],
        outputs: [],
        outputs_data: [],
        witnesses: [
          '0x590000000c00000055000000490000001000000030000000310000009bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce80114000000c8328aabcd9b9e8e64fbc566c4385c3bdeb219d700000000',
        ],
      },
    },
    work_id: '0x2',
    dao: '0x105cabf31c1fa12eacfa6990f2862300bdaf44b932000000008d5fff03fbfe06',
    extension: '0x626c6f636b202333',
  },
  expected_block_from_source: {
    header: {
      version: '0x0',
      compact_target: '0x20010000',
      timestamp: '0x17af3f66555',
      number: '0x3',
      epoch: '0x3e80003000000',
      parent_hash: '0xebf229020f333100942279dc33303ae0dfcbe720d8d11818687e6654c157294c',
      transactions_root: '0x0bbf9d8946932c9c33a46c8d13b9ecfcf850ccc1728fc9c9c5d14710ad9428ad',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0xfbbfbaaa0afac7730f4a6102b376986f1f288f3eccb18e0d16d58422aab28aad',
      dao: '0x105cabf31c1fa12eacfa6990f2862300bdaf44b932000000008d5fff03fbfe06',
      nonce: '0x6e43a02f3ed8bb00dea7f78c12fe94f5',
    },
    uncles: [],
    transactions: [
      {
        version: '0x0',
        cell_deps: [],
        header_deps: [],
        inputs: [
          {
            since: '0x3',
            previous_output: {
              tx_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
              index: '0xffffffff',
            },
          },
        ],
        outputs: [],
        outputs_data: [],
        witnesses: [
          '0x590000000c00000055000000490000001000000030000000310000009bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce80114000000c8328aabcd9b9e8e64fbc566c4385c3bdeb219d700000000',
        ],
      },
      {
        version: '0x0',
        cell_deps: [
          {
            out_point: {
              tx_hash: '0xace5ea83c478bb866edf122ff862085789158f5cbff155b7bb5f13058555b708',
              index: '0x0',
            },
            dep_type: 'dep_group',
          },
        ],
        header_deps: [],
        inputs: [
          {
            since: '0x0',
            previous_output: {
              tx_hash: '0xa563884b3686078ec7e7677a5f86449b15cf2693f3c1241766c6996f206cc541',
              index: '0x7',
            },
          },
        ],
        outputs: [
          {
            capacity: '0x2540be400',
            lock: {
              code_hash: '0x709f3fda12f561cfacf92273c57a98fede188a3f1a59b1f888d113f9cce08649',
              hash_type: 'data',
              args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
            },
            type: null,
          },
          {
            capacity: '0x2540be400',
            lock: {
              code_hash: '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
              hash_type: 'type',
              args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
            },
            type: null,
          },
          {
            capacity: '0x2540be400',
            lock: {
              code_hash: '0x709f3fda12f561cfacf92273c57a98fede188a3f1a59b1f888d113f9cce08649',
              hash_type: 'data1',
              args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
            },
            type: null,
          },
        ],
        outputs_data: ['0x', '0x', '0x'],
        witnesses: [
          '0x550000001000000055000000550000004100000070b823564f7d1f814cc135ddd56fd8e8931b3a7040eaf1fb828adae29736a3cb0bc7f65021135b293d10a22da61fcc64f7cb660bf2c3276ad63630dad0b6099001',
        ],
      },
    ],
    proposals: [],
    extension: '0x626c6f636b202333',
  },
  expected_hashes_from_source: {
    block_hash: '0xb93dad02d24e9d30c49023d08f84dd8ec34118c1bfec9ed432b75619964686c3',
    tx_hashes: [
      '0x185d1c46fe3c4a0a1a5ae47203df2aeebbb97ac353abcf2c6a3fc2548ecd4eda',
      '0x9110ca9266f89938f09ae6f93cc914b2c856cc842440d56fda6d16ee62543f5c',
    ],
  },
  derived: {
    tx_hashes: [
      '0x185d1c46fe3c4a0a1a5ae47203df2aeebbb97ac353abcf2c6a3fc2548ecd4eda',
      '0x9110ca9266f89938f09ae6f93cc914b2c856cc842440d56fda6d16ee62543f5c',
    ],
    witness_hashes: [
      '0x302984612f4a1cadf7d13d4afc313bc1ead622e5f0a1921c6ad0e300c427290b',
      '0x0719bb823829b4915ba103cf12b5b67b49d8aaa5a4864acee60533929710c0fd',
    ],
    raw_transactions_root: '0x66ab292c1b25ef87e1f06ada5e1915fd0f36aab22df462aff01210178a56c94c',
    witnesses_root: '0x5d75c5ea608b8db2b475a7778d532c118ca4aa72d5316f85c71c6b50ebf1b0ba',
    uncles_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
    extension_hash: '0x9786e96b5cb6600c844ba31847af64f070e1f09118dafe89db3432e31c36d2b0',
    header: {
      version: '0x0',
      compact_target: '0x20010000',
      timestamp: '0x17af3f66555',
      number: '0x3',
      epoch: '0x3e80003000000',
      parent_hash: '0xebf229020f333100942279dc33303ae0dfcbe720d8d11818687e6654c157294c',
      transactions_root: '0x0bbf9d8946932c9c33a46c8d13b9ecfcf850ccc1728fc9c9c5d14710ad9428ad',
      proposals_hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
      extra_hash: '0xfbbfbaaa0afac7730f4a6102b376986f1f288f3eccb18e0d16d58422aab28aad',
      dao: '0x105cabf31c1fa12eacfa6990f2862300bdaf44b932000000008d5fff03fbfe06',
      nonce: '0x6e43a02f3ed8bb00dea7f78c12fe94f5',
    },
    raw_header_hex:
      '0x00000000000001205565f6f37a01000003000000000000000000000300e80300ebf229020f333100942279dc33303ae0dfcbe720d8d11818687e6654c157294c0bbf9d8946932c9c33a46c8d13b9ecfcf850ccc1728fc9c9c5d14710ad9428ad0000000000000000000000000000000000000000000000000000000000000000fbbfbaaa0afac7730f4a6102b376986f1f288f3eccb18e0d16d58422aab28aad105cabf31c1fa12eacfa6990f2862300bdaf44b932000000008d5fff03fbfe06',
    pow_hash: '0xa4e4dee80dab7371cc06d8dacf0de2a8304da800bcd729c7e0251136a6fa966f',
    block_hash: '0xb93dad02d24e9d30c49023d08f84dd8ec34118c1bfec9ed432b75619964686c3',
  },
  checks: {
    header_fields_equal_source_block: true,
    block_hash_matches: true,
    tx_hashes_match: true,
  },
  note: 'Template -> block: transactions = [cellbase.data] + transactions[*].data; timestamp = current_time; nonce from the solved block. Extension present, so extra_hash = ckbhash(uncles_hash || ckbhash(extension bytes)). Template is from an older node (cellbase lacks header_deps/inputs/outputs keys order etc. but fields are complete).',
};
