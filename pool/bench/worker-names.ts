/**
 * Worker names for the benches: `<address>.<rig>`. The pool's default `accounts.mode: address`
 * refuses any other name share by share, and checking the name is part of what a share costs.
 */
export const BENCH_ADDRESS =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';

export const benchWorker = (rig: string): string => `${BENCH_ADDRESS}.${rig}`;
