// The miners' pages: plain DOM and uPlot, no framework. Every figure shown carries the API's
// own value in data-raw, so what a miner reads can be checked against the API it came from.

(() => {
  const app = document.getElementById('app');
  const kind = document.body.dataset.page;

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  };
  const getJson = async (path) => {
    const r = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await r.json().catch(() => ({}));
    return { status: r.status, body };
  };

  const UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
  const hashrate = (h) => {
    let v = Number(h) || 0;
    let i = 0;
    while (v >= 1000 && i < UNITS.length - 1) {
      v /= 1000;
      i++;
    }
    return `${v.toFixed(v >= 100 ? 0 : 2)} ${UNITS[i]}`;
  };
  // Shannons (decimal string) → CKB with 8 decimals, trailing zeros dropped; exact (BigInt).
  const ckb = (shannons) => {
    const s = BigInt(shannons);
    const whole = s / 100000000n;
    const frac = (s % 100000000n).toString().padStart(8, '0').replace(/0+$/, '');
    return `${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''} CKB`;
  };
  const time = (ms) => (ms ? new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19) : '—');
  const short = (hash) => (hash ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : '—');
  const figure = (name, raw, text) => el('span', { 'data-figure': name, 'data-raw': String(raw), text });
  const card = (label, fig) => el('div', { class: 'card' }, el('div', { class: 'label', text: label }), fig);
  const section = (title, ...body) => el('section', {}, el('h2', { text: title }), ...body);
  const table = (name, headers, rows) => {
    const t = el('table', { 'data-table': name });
    t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
    if (rows.length === 0)
      body.append(
        el('tr', {}, el('td', { colspan: String(headers.length), class: 'muted', text: 'none yet' })),
      );
    t.append(body);
    return t;
  };
  const blockStatus = (b) => `${b.status}${b.chainStatus ? ` / ${b.chainStatus}` : ''}`;

  const WINDOW_SECONDS = { '1h': 3600, '24h': 86400 };
  const chart = async (title, query) => {
    const box = el('div', { class: 'chart', 'data-chart': title });
    const { status, body } = await getJson(`/api/v1/hashrate?${query}`);
    if (status !== 200 || !Array.isArray(body.points) || body.points.length === 0) {
      box.append(el('p', { class: 'muted', text: `${title}: no shares in this window yet` }));
      return box;
    }
    const xs = body.points.map((p) => p.atMs / 1000);
    const ys = body.points.map((p) => p.hashrate);
    box.dataset.points = String(body.points.length);
    // The global that uPlot.iife.min.js defines.
    const Plot = window.uPlot;
    const width = Math.min(900, app.clientWidth || 900);
    queueMicrotask(
      () =>
        new Plot(
          {
            title,
            width,
            height: 220,
            // The whole window, even when shares only started a minute ago.
            scales: {
              x: {
                time: true,
                range: () => [
                  xs.at(-1) - WINDOW_SECONDS[body.window],
                  Math.max(xs.at(-1), Date.now() / 1000),
                ],
              },
            },
            series: [
              {},
              {
                label: 'hashrate',
                stroke: '#2f7d5b',
                fill: 'rgba(47,125,91,0.12)',
                value: (_u, v) => (v == null ? '—' : hashrate(v)),
              },
            ],
            axes: [{}, { values: (_u, vals) => vals.map(hashrate), size: 80 }],
          },
          [xs, ys],
          box,
        ),
    );
    return box;
  };

  const connectSection = (c) =>
    section(
      'Connect',
      el(
        'dl',
        { class: 'connect' },
        el('dt', { text: 'Stratum V2 (encrypted)' }),
        el('dd', {}, el('code', { 'data-figure': 'sv2Url', text: c.sv2Url })),
        el('dt', { text: 'Stratum V1 (ASICs, GPU miners)' }),
        el('dd', {}, el('code', { 'data-figure': 'v1Url', text: c.v1Url ?? 'not offered by this pool' })),
        el('dt', { text: 'Worker name' }),
        el('dd', {}, el('code', { text: c.worker })),
        el('dt', { text: 'Password' }),
        el('dd', { text: 'anything (ignored)' }),
      ),
    );

  const poolPage = async () => {
    const [pool, blocks, payouts, connect] = await Promise.all([
      getJson('/api/v1/pool'),
      getJson('/api/v1/blocks?limit=20'),
      getJson('/api/v1/payouts'),
      getJson('/api/v1/connect'),
    ]);
    const p = pool.body;
    const rate = p.hashrate?.['10m'] ?? 0;
    app.replaceChildren(
      el(
        'div',
        { class: 'cards' },
        card('Pool hashrate (10 min)', figure('hashrate', rate, hashrate(rate))),
        card('Miners online', figure('workersOnline', p.workersOnline, String(p.workersOnline))),
        card('Height', figure('height', p.height ?? '', p.height ?? '—')),
        card(
          'Blocks found',
          figure('blocksAccepted', p.blocks?.accepted ?? 0, String(p.blocks?.accepted ?? 0)),
        ),
      ),
      await chart('Pool hashrate, 24 h', 'window=24h'),
      connectSection(connect.body),
      section(
        'Blocks',
        table(
          'blocks',
          ['Height', 'Hash', 'Status', 'Found'],
          (blocks.body.blocks ?? []).map((b) => [
            figure('blockHeight', b.height, String(b.height)),
            short(b.hash),
            blockStatus(b),
            time(b.foundAtMs),
          ]),
        ),
      ),
      section(
        'Last payouts',
        payouts.body.enabled === false
          ? el('p', {
              class: 'muted',
              'data-figure': 'payoutsOff',
              text: 'This pool runs solo: rewards go to the operator.',
            })
          : table(
              'payouts',
              ['Transaction', 'Address', 'Amount', 'Status', 'Time'],
              (payouts.body.payouts ?? []).map((x) => [
                short(x.txHash),
                short(x.address),
                figure('payoutAmount', x.amount, ckb(x.amount)),
                x.status,
                time(x.time),
              ]),
            ),
      ),
    );
  };

  const minerPage = async (address) => {
    const m = await getJson(`/api/v1/miners/${encodeURIComponent(address)}`);
    if (m.status !== 200) {
      app.replaceChildren(
        el('h1', { text: 'Miner' }),
        el('p', {
          'data-figure': 'notFound',
          text: m.status === 404 ? `No shares from ${address} yet.` : (m.body.error ?? 'Not available.'),
        }),
      );
      return;
    }
    const v = m.body;
    app.replaceChildren(
      el('h1', {}, 'Miner ', el('code', { 'data-figure': 'address', text: v.address })),
      el(
        'div',
        { class: 'cards' },
        card('Hashrate (10 min)', figure('hashrate10m', v.hashrate['10m'] ?? 0, hashrate(v.hashrate['10m']))),
        card('Hashrate (1 h)', figure('hashrate1h', v.hashrate['1h'] ?? 0, hashrate(v.hashrate['1h']))),
        card('Balance', figure('balance', v.balance, ckb(v.balance))),
        card('Immature', figure('immature', v.immature, ckb(v.immature))),
        card('Paid', figure('paid', v.paid, ckb(v.paid))),
      ),
      await chart('Hashrate, 1 h', `window=1h&address=${encodeURIComponent(v.address)}`),
      await chart('Hashrate, 24 h', `window=24h&address=${encodeURIComponent(v.address)}`),
      section(
        'Workers',
        table(
          'workers',
          ['Worker', 'Hashrate (10 min)', 'Last share', 'Accepted', 'Accept rate'],
          v.workers.map((w) => [
            w.name.slice(v.address.length) || '(address)',
            hashrate(w.hashrate['10m']),
            time(w.lastShareAtMs),
            figure('workerAccepted', w.acceptedShares, String(w.acceptedShares)),
            w.acceptRate === null ? '—' : `${(w.acceptRate * 100).toFixed(1)} %`,
          ]),
        ),
      ),
      section(
        'Payouts',
        table(
          'payouts',
          ['Transaction', 'Amount', 'Status', 'Time'],
          v.payouts.map((x) => [
            el('code', { text: x.txHash }),
            figure('payoutAmount', x.amount, ckb(x.amount)),
            x.status,
            time(x.time),
          ]),
        ),
      ),
      section(
        'Blocks found',
        table(
          'blocks',
          ['Height', 'Hash', 'Status', 'Found'],
          v.blocks.map((b) => [
            figure('blockHeight', b.height, String(b.height)),
            short(b.hash),
            blockStatus(b),
            time(b.foundAtMs),
          ]),
        ),
      ),
    );
  };

  document.getElementById('lookup').addEventListener('submit', (e) => {
    e.preventDefault();
    const a = new FormData(e.target).get('address').trim();
    if (a) location.href = `/miners/${encodeURIComponent(a)}`;
  });

  const run =
    kind === 'miner' ? minerPage(decodeURIComponent(location.pathname.slice('/miners/'.length))) : poolPage();
  run
    .then(() => document.body.setAttribute('data-ready', 'true'))
    .catch((err) => {
      app.replaceChildren(el('p', { class: 'error', text: `Could not load: ${err.message}` }));
      document.body.setAttribute('data-ready', 'error');
    });
})();
