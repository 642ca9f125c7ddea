export { asLike } from '../../src/ckb/ccc-like.js';
