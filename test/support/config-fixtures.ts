/** Addresses for tests: the RFC 0021 full-format example, and a testnet address from ckb-sdk-go's tests. */
export const MAINNET_ADDRESS =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4';
export const MAINNET_ARGS = '0xb39bbc0b3673c7d36450bc14cfcdad2d559c6c64';
export const TESTNET_ADDRESS =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqtyqlpwlx7ed68pftzv69wcvr5nxxqzzus2zxwa6';
