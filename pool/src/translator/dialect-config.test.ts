import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-engine/errors.js';
import { encodeAuthorityPubkey, generateAuthorityKeypair } from '../sv2/noise/keys.js';
import { parseTranslatorConfig } from './config.js';

const key = encodeAuthorityPubkey(generateAuthorityKeypair().publicXonly);
const upstream = { url: `stratum2+tcp://pool:3334/${key}` };

describe('translator.yaml v1.dialectPorts', () => {
  it('reads extra ports with a forced dialect, by name or alias', () => {
    const c = parseTranslatorConfig({
      upstream,
      v1: {
        listen: '0.0.0.0:3333',
        dialectPorts: [
          { listen: '0.0.0.0:3334', dialect: 'k7' },
          { listen: '0.0.0.0:3335', dialect: 'goldshell' },
        ],
      },
    });
    expect(c.dialectPorts).toEqual([
      { listen: '0.0.0.0:3334', dialect: 'antminer-k7' },
      { listen: '0.0.0.0:3335', dialect: 'goldshell' },
    ]);
    expect(parseTranslatorConfig({ upstream }).dialectPorts).toBeUndefined();
  });

  it('names the entry and field that is wrong', () => {
    const bad = (dialectPorts: unknown) => () => parseTranslatorConfig({ upstream, v1: { dialectPorts } });
    expect(bad({ listen: '0.0.0.0:3334' })).toThrow(/v1.dialectPorts: item must be a list/);
    expect(bad([{ listen: '0.0.0.0:3334', dialect: 'whatsminer' }])).toThrow(
      /v1.dialectPorts: item\[0\].dialect must be one of ckb, antminer-k7, goldshell, nerdminer, ckbminer/,
    );
    expect(bad([{ listen: 'nope', dialect: 'k7' }])).toThrow(ConfigError);
    expect(bad([{ listen: '0.0.0.0:1', dialect: 'k7', tls: true }])).toThrow(
      /v1.dialectPorts: unknown field 'item\[0\].tls'/,
    );
  });
});
