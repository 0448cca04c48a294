/* global fetch, setInterval, requestAnimationFrame, Option */
// Tickstream dashboard: plain browser JS, no build step.
// Lists pairs from /api/prices, subscribes to ticker@<pair> and trade@<pair> on /ws, and shows
// each pair's price, 24h change, last update and a live/stale indicator, plus a trade tape.
// Test hooks: [data-pair="BTC/USDT"] .price (text and data-value), [data-pair] data-state
// ("waiting" | "live" | "stale"), #connection data-state, #trade-tape-body rows (data-trade-pair),
// #book-pair (the pair whose books show), [data-book-venue="okx"] ladders (.asks/.bids rows with
// data-price), each fed by that venue's own book@<venue>:<pair> stream. A stock card's data-state is
// "closed" outside 09:30-16:00 New York at market time (the latest exchange timestamp seen).

const DEFAULT_PAIRS = ['BTC/USDT', 'ETH/USDT'];
const STALE_AFTER_MS = 5000;
const TAPE_SIZE = 20;
const LIST_RETRY_MS = 3000;
const LIST_REFRESH_MS = 30000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const BOOK_LEVELS = 10;

/** pair -> card state */
const cards = new Map();
const conn = { ws: null, attempt: 0, nextId: 1, timer: null };
/** Market time: the latest exchange timestamp any message carried (replay time behind a hub). */
const market = { now: 0 };
/** The order book panel: the pair shown, the venues of each pair, one ladder per venue. */
const books = { pair: null, venuesOf: {}, panels: new Map(), drawPending: false };

const el = {
  prices: document.getElementById('prices'),
  empty: document.getElementById('prices-empty'),
  template: document.getElementById('card-template'),
  tape: document.getElementById('trade-tape-body'),
  connection: document.getElementById('connection'),
  connectionLabel: document.getElementById('connection-label'),
  books: document.getElementById('books'),
  booksEmpty: document.getElementById('books-empty'),
  bookPair: document.getElementById('book-pair'),
  bookTemplate: document.getElementById('book-template'),
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

function bookStreams(pair) {
  return (books.venuesOf[pair] || []).map((venue) => 'book@' + venue + ':' + pair);
}

function send(method, params) {
  const ws = conn.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN || params.length === 0) return;
  ws.send(JSON.stringify({ method, params, id: conn.nextId++ }));
}

/** Show the books of `pair`: one ladder per venue carrying it, fed by its own book stream. */
function showBooks(pair) {
  if (books.pair !== null) send('UNSUBSCRIBE', bookStreams(books.pair));
  books.pair = pair;
  books.panels.clear();
  el.books.replaceChildren();
  const venues = books.venuesOf[pair] || [];
  el.booksEmpty.hidden = venues.length > 0;
  if (venues.length === 0) el.books.appendChild(el.booksEmpty);
  for (const venue of venues) {
    const node = el.bookTemplate.content.firstElementChild.cloneNode(true);
    node.dataset.bookVenue = venue;
    node.querySelector('.venue').textContent = venue;
    el.books.appendChild(node);
    books.panels.set(venue, {
      node,
      asks: node.querySelector('.asks'),
      bids: node.querySelector('.bids'),
      spread: node.querySelector('.spread'),
      latest: null,
    });
  }
  send('SUBSCRIBE', bookStreams(pair));
}

function ladderRows(body, levels) {
  const rows = [];
  for (const [price, amount] of levels) {
    const row = document.createElement('tr');
    row.dataset.price = String(price);
    for (const [i, text] of [
      formatPrice(price),
      amount.toLocaleString('en-US', { maximumFractionDigits: 8 }),
    ].entries()) {
      const td = document.createElement('td');
      td.className = 'num';
      td.textContent = text;
      if (i === 0) td.title = String(price);
      row.appendChild(td);
    }
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

/** Draw the ladders whose books changed, at most once per animation frame. */
function drawBooks() {
  books.drawPending = false;
  for (const panel of books.panels.values()) {
    const book = panel.latest;
    if (book === null) continue;
    panel.latest = null;
    // Asks highest first so the best ask sits on the spread line, above the best bid.
    ladderRows(panel.asks, book.asks.slice(0, BOOK_LEVELS).reverse());
    ladderRows(panel.bids, book.bids.slice(0, BOOK_LEVELS));
    const bid = book.bids[0];
    const ask = book.asks[0];
    // The spread in the price's own decimals (0.01, not 0.010000).
    panel.spread.textContent =
      bid && ask ? 'spread ' + (ask[0] - bid[0]).toFixed(decimalsFor(ask[0])) : 'one side empty';
    panel.node.dataset.state = 'live';
  }
}

function onBook(book) {
  if (book.symbol !== books.pair) return;
  const panel = books.panels.get(book.exchange);
  if (!panel) return;
  panel.latest = book;
  if (!books.drawPending) {
    books.drawPending = true;
    requestAnimationFrame(drawBooks);
  }
}

function setBookPairs(venuesOf) {
  books.venuesOf = venuesOf;
  const pairs = Object.keys(venuesOf).sort();
  const current = Array.from(el.bookPair.options).map((o) => o.value);
  if (pairs.join() !== current.join()) {
    el.bookPair.replaceChildren(...pairs.map((p) => new Option(p, p)));
  }
  if (books.pair === null && pairs.length > 0) {
    const first = pairs.includes(DEFAULT_PAIRS[0]) ? DEFAULT_PAIRS[0] : pairs[0];
    el.bookPair.value = first;
    showBooks(first);
  }
}

function onData(stream, data) {
  if (!data || typeof data !== 'object') return;
  if (typeof data.timestamp === 'number' && data.timestamp > market.now) market.now = data.timestamp;
  if (data.type === 'book_snapshot') {
    onBook(data);
    return;
  }
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
  const params = [];
  for (const p of pairs) params.push('ticker@' + p, 'trade@' + p);
  send('SUBSCRIBE', params);
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
    if (books.pair !== null) send('SUBSCRIBE', bookStreams(books.pair));
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
    if (!res.ok) return { prices: [], venues: {} };
    const body = await res.json();
    return {
      prices: Array.isArray(body.prices) ? body.prices : [],
      venues: body.venues && typeof body.venues === 'object' ? body.venues : {},
    };
  } catch {
    return { prices: [], venues: {} };
  }
}

/** List pairs from the server: retry until the list is non-empty, then refresh now and then. */
async function refreshPairs() {
  const { prices, venues } = await listPrices();
  setBookPairs(venues);
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

const newYork = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

/** US stocks' regular session, 09:30-16:00 New York on weekdays (DST from the browser's zone data). */
function inUsSession(ms) {
  const parts = {};
  for (const p of newYork.formatToParts(new Date(ms))) parts[p.type] = p.value;
  if (parts.weekday === 'Sat' || parts.weekday === 'Sun') return false;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return minute >= 570 && minute < 960;
}

/** A stock (canonical stock symbols have no slash) outside the session, at the market time data carries. */
function marketClosed(pair) {
  return !pair.includes('/') && market.now > 0 && !inUsSession(market.now);
}

function updateStaleness() {
  const now = Date.now();
  for (const [pair, card] of cards) {
    if (marketClosed(pair)) {
      card.node.dataset.state = 'closed';
      card.updated.textContent = 'market closed';
      continue;
    }
    if (card.lastUpdate === 0) continue;
    const stale = now - card.lastUpdate > STALE_AFTER_MS;
    card.node.dataset.state = stale ? 'stale' : 'live';
  }
}

async function main() {
  const listed = await refreshPairs();
  if (listed === 0) addPairs(DEFAULT_PAIRS);
  el.bookPair.addEventListener('change', () => showBooks(el.bookPair.value));
  connect();
  setInterval(updateStaleness, 1000);
}

main();
