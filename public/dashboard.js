/* global fetch, setInterval */
// Tickstream dashboard: plain browser JS, no build step.
// Lists pairs from /api/prices, subscribes to ticker@<pair> and trade@<pair> on /ws, and shows
// each pair's price, 24h change, last update and a live/stale indicator, plus a trade tape.
// Test hooks: [data-pair="BTC/USDT"] .price (text and data-value), [data-pair] data-state
// ("waiting" | "live" | "stale"), #connection data-state, #trade-tape-body rows (data-trade-pair).

const DEFAULT_PAIRS = ['BTC/USDT', 'ETH/USDT'];
const STALE_AFTER_MS = 5000;
const TAPE_SIZE = 20;
const LIST_RETRY_MS = 3000;
const LIST_REFRESH_MS = 30000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;

/** pair -> card state */
const cards = new Map();
const conn = { ws: null, attempt: 0, nextId: 1, timer: null };

const el = {
  prices: document.getElementById('prices'),
  empty: document.getElementById('prices-empty'),
  template: document.getElementById('card-template'),
  tape: document.getElementById('trade-tape-body'),
  connection: document.getElementById('connection'),
  connectionLabel: document.getElementById('connection-label'),
};

function decimalsFor(price) {
  if (price >= 100) return 2;
  if (price >= 1) return 4;
  return 6;
}

function formatPrice(price) {
  const d = decimalsFor(Math.abs(price));
  return price.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function formatTime(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

function setConnection(state, label) {
  el.connection.dataset.state = state;
  el.connectionLabel.textContent = label;
}

/** Create the card of a pair once; returns its state. */
function ensureCard(pair) {
  let card = cards.get(pair);
  if (card) return card;
  const node = el.template.content.firstElementChild.cloneNode(true);
  node.dataset.pair = pair;
  node.querySelector('.pair').textContent = pair;
  card = {
    node,
    price: node.querySelector('.price'),
    change: node.querySelector('.change'),
    updated: node.querySelector('.updated'),
    source: node.querySelector('.source'),
    lastPrice: null,
    lastUpdate: 0,
  };
  cards.set(pair, card);
  // Keep cards sorted by pair name.
  const after = Array.from(cards.keys())
    .sort()
    .find((p) => p > pair);
  const before = after ? cards.get(after).node : null;
  el.prices.insertBefore(node, before);
  el.empty.hidden = true;
  return card;
}

function setPrice(card, price, source, live) {
  if (typeof price !== 'number' || !Number.isFinite(price)) return;
  if (card.lastPrice !== null && price !== card.lastPrice) {
    card.price.dataset.dir = price > card.lastPrice ? 'up' : 'down';
  }
  card.lastPrice = price;
  card.price.textContent = formatPrice(price);
  card.price.dataset.value = String(price);
  card.source.textContent = source ? 'via ' + source : '';
  if (live) {
    card.lastUpdate = Date.now();
    card.updated.textContent = 'updated ' + formatTime(card.lastUpdate);
    card.node.dataset.state = 'live';
  }
}

function setChange(card, pct) {
  if (typeof pct !== 'number' || !Number.isFinite(pct)) return;
  card.change.textContent = (pct > 0 ? '+' : '') + pct.toFixed(2) + '%';
  card.change.dataset.sign = pct > 0 ? '1' : pct < 0 ? '-1' : '0';
}

function addTrade(t) {
  const row = document.createElement('tr');
  row.dataset.tradePair = t.symbol;
  row.dataset.side = t.side;
  const cells = [
    formatTime(t.timestamp),
    t.symbol,
    t.side,
    formatPrice(t.price),
    t.amount.toLocaleString('en-US', { maximumFractionDigits: 8 }),
    t.exchange,
  ];
  for (let i = 0; i < cells.length; i++) {
    const td = document.createElement('td');
    td.textContent = cells[i];
    if (i >= 3 && i <= 4) td.className = 'num';
    if (i === 2) td.className = 'side';
    row.appendChild(td);
  }
  el.tape.insertBefore(row, el.tape.firstChild);
  while (el.tape.childElementCount > TAPE_SIZE) el.tape.removeChild(el.tape.lastElementChild);
}

function onData(stream, data) {
  if (!data || typeof data !== 'object') return;
  const card = cards.get(data.symbol);
  if (!card) return;
  if (data.type === 'ticker') {
    setPrice(card, data.last, data.exchange, true);
    setChange(card, data.change24hPct);
  } else if (data.type === 'trade') {
    setPrice(card, data.price, data.exchange, true);
    addTrade(data);
  }
}

function onMessage(event) {
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch {
    return;
  }
  if (msg && typeof msg.stream === 'string') onData(msg.stream, msg.data);
  else if (msg && msg.error) console.warn('tickstream /ws error', msg.error.code, msg.error.msg);
}

function subscribe(pairs) {
  const ws = conn.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || pairs.length === 0) return;
  const params = [];
  for (const p of pairs) params.push('ticker@' + p, 'trade@' + p);
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params, id: conn.nextId++ }));
}

function connect() {
  conn.timer = null;
  setConnection('connecting', conn.attempt === 0 ? 'connecting…' : 'reconnecting…');
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const ws = new WebSocket(scheme + location.host + '/ws');
  conn.ws = ws;
  ws.onopen = () => {
    conn.attempt = 0;
    setConnection('open', 'live');
    subscribe(Array.from(cards.keys()));
  };
  ws.onmessage = onMessage;
  ws.onclose = () => {
    if (conn.ws !== ws) return;
    conn.ws = null;
    scheduleReconnect();
  };
  ws.onerror = () => {
    // onclose follows and schedules the reconnect.
  };
}

function scheduleReconnect() {
  if (conn.timer !== null) return;
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** conn.attempt);
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  conn.attempt++;
  setConnection('closed', 'disconnected — retrying in ' + Math.ceil(delay / 1000) + ' s');
  conn.timer = setTimeout(connect, delay);
}

/** Add cards (and subscriptions) for pairs not shown yet. */
function addPairs(pairs) {
  const fresh = [];
  for (const p of pairs) {
    if (!cards.has(p)) fresh.push(p);
    ensureCard(p);
  }
  subscribe(fresh);
}

async function listPrices() {
  try {
    const res = await fetch('/api/prices', { cache: 'no-store' });
    if (!res.ok) return [];
    const body = await res.json();
    return Array.isArray(body.prices) ? body.prices : [];
  } catch {
    return [];
  }
}

/** List pairs from the server: retry until the list is non-empty, then refresh now and then. */
async function refreshPairs() {
  const prices = await listPrices();
  if (prices.length > 0) {
    addPairs(prices.map((p) => p.pair));
    for (const p of prices) {
      const card = cards.get(p.pair);
      if (card && card.lastPrice === null) setPrice(card, p.price, p.source, false);
    }
  }
  setTimeout(refreshPairs, prices.length > 0 ? LIST_REFRESH_MS : LIST_RETRY_MS);
  return prices.length;
}

function updateStaleness() {
  const now = Date.now();
  for (const card of cards.values()) {
    if (card.lastUpdate === 0) continue;
    const stale = now - card.lastUpdate > STALE_AFTER_MS;
    card.node.dataset.state = stale ? 'stale' : 'live';
  }
}

async function main() {
  const listed = await refreshPairs();
  if (listed === 0) addPairs(DEFAULT_PAIRS);
  connect();
  setInterval(updateStaleness, 1000);
}

main();
