import { describe, expect, it } from 'vitest';
import {
  ImageRefError,
  parseImageRef,
  platformOfMachine,
  registryBaseUrl,
  registryLabel,
} from './reference.js';

describe('image references, read as the Docker engine reads them', () => {
  it('puts a bare name in Docker Hub’s library namespace with tag latest', () => {
    expect(parseImageRef('grafana')).toMatchObject({
      registry: 'docker.io',
      repository: 'library/grafana',
      tag: 'latest',
    });
  });

  it('keeps an organisation path on Docker Hub', () => {
    const r = parseImageRef('nervos/ckb:v0.205.0');
    expect(r).toMatchObject({ registry: 'docker.io', repository: 'nervos/ckb', tag: 'v0.205.0' });
    expect(registryLabel(r)).toBe('Docker Hub (docker.io)');
    expect(registryBaseUrl(r)).toBe('https://registry-1.docker.io');
  });

  it('reads a first component with a dot, a port or localhost as the registry host', () => {
    expect(parseImageRef('ghcr.io/ckb-pool-deploy/ckb-pool:0.1.0')).toMatchObject({
      registry: 'ghcr.io',
      repository: 'ckb-pool-deploy/ckb-pool',
      tag: '0.1.0',
    });
    const local = parseImageRef('localhost:5000/pool:1');
    expect(local).toMatchObject({ registry: 'localhost:5000', repository: 'pool', tag: '1' });
    expect(registryBaseUrl(local)).toBe('http://localhost:5000');
    expect(registryBaseUrl(parseImageRef('127.0.0.1:5000/pool'))).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl(parseImageRef('mirror.example:5000/pool'))).toBe('https://mirror.example:5000');
  });

  it('keeps a pinned digest beside the tag', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(parseImageRef(`prom/prometheus:v3.5.0@${digest}`)).toMatchObject({ tag: 'v3.5.0', digest });
  });

  it('refuses references Docker would refuse', () => {
    expect(() => parseImageRef('Nervos/CKB')).toThrow(ImageRefError);
    expect(() => parseImageRef('nervos/ckb@sha256:short')).toThrow(/64 hex/);
    expect(() => parseImageRef('nervos/ckb:')).toThrow(/bad tag/);
  });

  it('maps uname -m to the platforms the pool image is built for', () => {
    expect(platformOfMachine('x86_64\n')).toBe('linux/amd64');
    expect(platformOfMachine('aarch64')).toBe('linux/arm64');
    expect(platformOfMachine('riscv64')).toBeNull();
  });
});
