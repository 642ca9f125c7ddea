/**
 * A complete SV2 Noise NX handshake (Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256) with fixed
 * keys and randomness: every intermediate chaining key and hash, both handshake messages, the
 * certificate, the transport keys and two encrypted frames. Computed independently of this
 * code from the BIP324 and BIP340 reference implementations, following SRI's noise_sv2, and
 * kept here as our own test data so every clone and every CI checks the handshake byte for byte.
 * Field names are the snake_case of the computation that produced it.
 */
export const NOISE_HANDSHAKE = {
  authority_secret_key: '65995eb19631f478a46ffa5cf1e545091efe950eaeac7482ffdc06eb6a89f697',
  authority_pubkey_xonly: '24ee3c3804a1aaa4c03b80ea19f7a5863c916e8994b7db94a3bad7ee092b6ce7',
  /**
   * The same key as it appears in a pool URL (stratum2+tcp://host:port/KEY): base58check
   * (double-SHA256 checksum) of the version bytes 01 00 followed by the x-only key. Added for
   * docs/extensions/0x4CCB.md; ckb-extension-doc.test.ts rebuilds it with a plain base58check.
   */
  authority_pubkey_base58: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72',
  pool_url_example:
    'stratum2+tcp://pool.example.com:34254/9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72',
  initiator_ephemeral_secret: '581cc80ad3cd5487972dafda63879064942409e8c43df41298f1b820a1f88efd',
  initiator_ephemeral_ellswift:
    '00cb9fa9654222e031642115a5f6a2b592ab9e2f1e654e7ba53c96f203dd2dd4d95f991350b732a42c0c39713cd341f8c741f7f179bc69817d8046fc8f74634f',
  responder_ephemeral_secret: '313efc9a5a9047a584a4c3b393b78e0c3cae36e81eb5305217c7c4781a800e6d',
  responder_ephemeral_ellswift:
    '938f91ce74ef8c5851b0023dd22ac1e42b7e53dee58d18810a4c911ae45234f73a442ba914852508b2def53f4297013d65c4cd6d653632ee2fcb621cf7ce5a25',
  responder_static_secret: '07d7496f4828e109b9a7f588bc68b834b23c8360157c35d3d83ce0791d6609e5',
  responder_static_ellswift:
    '3f0c6182d15ef4d02ab2749f10a73116f97ce5daa8d28078216f765e3e3843e096cbd97ea9ef29ef9d5247f01818f8f9a294a38d25aff0a3ddd90b2721407318',
  responder_static_xonly: '7927d073372db4e834eceb9adca234c2d2df84646d369eea91135919259d483b',
  cert_valid_from: 1700000000,
  cert_not_valid_after: 1700003600,
  cert_signed_bytes: '000000f1536510ff53657927d073372db4e834eceb9adca234c2d2df84646d369eea91135919259d483b',
  schnorr_aux_rand: '0000000000000000000000000000000000000000000000000000000000000000',
  signature_noise_message_74:
    '000000f1536510ff5365d92a1129a969749a3032ed464c920e28f4dbc7c5e895df6dc7cb318d73ec36ccb905e8834837af071675d3736e58c03d826563bf9229c12a31c37c6d823c9507',
  msg1_initiator_to_responder_64:
    '00cb9fa9654222e031642115a5f6a2b592ab9e2f1e654e7ba53c96f203dd2dd4d95f991350b732a42c0c39713cd341f8c741f7f179bc69817d8046fc8f74634f',
  msg2_responder_to_initiator_234:
    '938f91ce74ef8c5851b0023dd22ac1e42b7e53dee58d18810a4c911ae45234f73a442ba914852508b2def53f4297013d65c4cd6d653632ee2fcb621cf7ce5a25dc26f6e4a33b99d97ee00869ed425eb3559e70a0c2144a43fe569b4a67f6cd3b90dd03d245a5431976c61ac9467ee56282f69850d15bb975897eb29779283a3cefd416997a8541ac9d11734f6283c427a4b4673b2e3ef5c75d5091430d1d01fa91b1e1fabe7ca829832473ec821a4c15298636ffad931b84b7be0804ff6b667bf554091e836893e7ae8f9d78982e5499330c06392ba11a28523fbe70b4afd0a1436b7810a57bc8b1ad60',
  final_h: '6b2cc32be73d3f02bed190d1ff357cc7d19dd1ee4539ac8b4dfd969006db3614',
  final_ck: 'e9772cd68dcec24a0c6f2fcc899e8d55204b4921fda1a4aff0bc4e2e32fc7169',
  transport_k1_initiator_to_responder: 'cef4783b9dc2a4f8c7d98e9aa586935d9a9a7f09f4c0b26d43bca625867a6f2f',
  transport_k2_responder_to_initiator: '8e3c6ded03d73f3cc18c3fb97344312087f31f4b0641c7f1b68973dcde2560bd',
  steps: [
    ['init: ck = SHA256(protocol_name)', '2eb47881208e9eee1f669f67c66ee70ea9ea88090d503fe830dc4bc83e29bf10'],
    ['init: h = SHA256(ck)', '922fa32e4f487c0d59caa3bed7899ce3d98db7e13dbd3b7cf2d23dd433dc6104'],
    ['i: MixHash(e_i ellswift)', '6a870c227c07c20ca76e95f5c3b0770dd1eecb3d79c0cde6d3977ef3b3e95098'],
    [
      'i: EncryptAndHash(empty) -> MixHash(empty)',
      'f397c64da191659fb3cf350540cd302fbdc87c9c2987b341824a61ab0a3af25c',
    ],
    ['r: MixHash(e_r ellswift)', '4c39cb0c1dda8c84c0b1d2f0f07ec13ea05be2e7f054fceeef87ad6065b7d407'],
    [
      "ECDH ee = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Er||x)",
      'b042cea76bc15d03e657047a725fe6d8700f0a53adb4fd0b1e735413156f091f',
    ],
    ['r: MixKey(ee) -> ck', '24901c6179535180b728b6f6953629696e31d48975181d4b22f54af75e1e6e59'],
    ['r: MixKey(ee) -> k', '382e8ebf1dc2daf668ce11186ba090c1701dd9d644b264b6e3ffcd0ab2fa926c'],
    [
      'r: EncryptAndHash(s_r ellswift) -> h',
      'ec6fcf3485167b8c5a6c23d558d6c35c23a058e9cf30fbd9b4d9c6ddf9bec822',
    ],
    [
      "ECDH es = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Sr||x)",
      '7772a5004d3614c7cef06e4cd7121e483ef2d1ed74bcff02d8b01327fc37f6a2',
    ],
    ['r: MixKey(es) -> ck', 'e9772cd68dcec24a0c6f2fcc899e8d55204b4921fda1a4aff0bc4e2e32fc7169'],
    ['r: MixKey(es) -> k', '9401ddcc9f93fd6654bdc748c624137dde0da710970fb02285d0775520be4bff'],
    [
      'r: EncryptAndHash(cert) -> h (final handshake hash)',
      '6b2cc32be73d3f02bed190d1ff357cc7d19dd1ee4539ac8b4dfd969006db3614',
    ],
  ],
  example_frame_1_plain:
    '0000002c0000000200020004000000093132372e302e302e31ce8503535249105472616e736c61746f722050726f78790000',
  example_frame_1_encrypted_with_k1_nonces_0_1:
    '0c7f00faeb3e4cbb98eaa473c21751871715f0ea19b836d053a8630c2c8ce66862b9416836f5e29c6e470c79f3f5ff44652da3daa302de5d5f5440c1523f9ec062fd7856879ddc31045d651806dee107a2ef',
  example_frame_2_plain: '000001060000020000000000',
  example_frame_2_encrypted_with_k2_nonces_0_1:
    '97d2d473be2f561bbd39d7021a2a4ce0706afeceaae36331db6085b31e123c8f84dac4c84007278f360429d0',
} as const;
