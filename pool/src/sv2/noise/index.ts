/** SV2 Noise (`Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256`): everything the roles import. */
export { AEADS, type Aead, defaultAead } from './aead.js';
export * from './certificate.js';
export { type EllswiftKeypair, ellswiftDecode, ellswiftKeygen, v2Ecdh } from './ellswift.js';
export * from './errors.js';
export * from './handshake.js';
export * from './identity.js';
export * from './key-files.js';
export * from './keys.js';
export { type BackendName, defaultBackend, loadBackend, type Secp256k1Backend } from './secp.js';
export { CipherState, PROTOCOL_NAME } from './symmetric.js';
export * from './transport.js';
