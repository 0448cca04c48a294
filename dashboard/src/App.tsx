/**
 * The Tickstream dashboard: price tiles for every pair of every venue, a live candle chart, each
 * venue's order book, a trade tape, the sources behind the prices and, when a replay hub runs,
 * its controls. One gateway connection shared by every panel; every panel draws at most once per
 * animation frame (tiles every 250 ms) however fast the market.
 */
import { useMemo, useState } from 'react';
import {
  TickstreamProvider,
  usePriceStream,
  useTickstreamClient,
  type PriceStreamOptions,
} from '../../src/react/index.js';
import { Header, UnreachableBanner } from './components/Header.js';
import { OrderBooks } from './components/OrderBooks.js';
import { PriceChart } from './components/PriceChart.js';
import { PriceTiles } from './components/PriceTiles.js';
import { ReplayPanel } from './components/ReplayPanel.js';
import { SourcesPanel } from './components/SourcesPanel.js';
import { TradeTape } from './components/TradeTape.js';
import { notePrecision } from './format.js';
import { useMarkets } from './use-markets.js';
import { useNow } from './use-now.js';
import { replayTimeOf, useReplay } from './use-replay.js';

/** A pair quiet this long is marked stale (a replayed or live feed ticks every second or so). */
const STALE_AFTER_MS = 5000;
const PRICE_OPTIONS: PriceStreamOptions = {
  debounceMs: 250,
  staleAfterMs: STALE_AFTER_MS,
  storageKey: 'tickstream:dashboard-prices',
};
const DEFAULT_PAIR = 'BTC/USDT';

export function App({ origin }: { origin: string }) {
  const options = useMemo(
    () => ({ url: origin, staleAfterMs: STALE_AFTER_MS, backoff: { initialMs: 250, maxMs: 3000 } }),
    [origin],
  );
  return (
    <TickstreamProvider options={options}>
      <Dashboard origin={origin} />
    </TickstreamProvider>
  );
}

function Dashboard({ origin }: { origin: string }) {
  const client = useTickstreamClient();
  const markets = useMarkets();
  const now = useNow(1000);
  const replay = useReplay();
  const keys = useMemo(() => {
    const out = [...markets.pairs];
    for (const pair of markets.pairs) {
      const venues = markets.venuesOf[pair] ?? [];
      if (venues.length > 1) for (const v of venues) out.push(`${v}:${pair}`);
    }
    return out;
  }, [markets]);
  const stream = usePriceStream(keys, PRICE_OPTIONS);
  let latestData = 0;
  for (const [key, p] of Object.entries(stream.prices)) {
    notePrecision(key.slice(key.indexOf(':') + 1), p.price);
    if (p.cached !== true && p.timestamp > latestData) latestData = p.timestamp;
  }
  const marketTime = replayTimeOf(replay.replay) ?? (latestData > 0 ? latestData : undefined);

  const [chosen, setChosen] = useState<string>();
  const pair =
    chosen !== undefined && markets.pairs.includes(chosen)
      ? chosen
      : markets.pairs.includes(DEFAULT_PAIR)
        ? DEFAULT_PAIR
        : markets.pairs[0];
  const unreachable = stream.status === 'error' || (markets.error !== undefined && !markets.loaded);

  return (
    <>
      <Header
        status={stream.status}
        transport={client?.transportKind}
        marketTime={marketTime}
        replaying={replay.available}
        now={now}
      />
      {unreachable && <UnreachableBanner origin={origin} error={stream.error ?? markets.error} />}
      <main>
        <section aria-labelledby="prices-title" className="panel wide">
          <h2 id="prices-title">Prices</h2>
          <PriceTiles
            pairs={markets.pairs}
            venuesOf={markets.venuesOf}
            stream={stream}
            marketTime={marketTime ?? 0}
            now={now}
            selected={pair}
            onSelect={setChosen}
          />
        </section>
        {pair !== undefined && (
          <>
            <section aria-labelledby="chart-title" className="panel chart-section">
              <h2 id="chart-title">
                Chart{' '}
                <select
                  id="book-pair"
                  aria-label="pair"
                  value={pair}
                  onChange={(e) => setChosen(e.target.value)}
                >
                  {markets.pairs.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </h2>
              <PriceChart pair={pair} />
            </section>
            <section aria-labelledby="books-title" className="panel books-section">
              <h2 id="books-title">
                Order books <span className="muted">{pair} · top 20 · each venue's own</span>
              </h2>
              <OrderBooks pair={pair} venues={markets.venuesOf[pair] ?? []} />
            </section>
          </>
        )}
        <section aria-labelledby="tape-title" className="panel tape-section">
          <h2 id="tape-title">
            Trades <span className="muted">every pair · newest first</span>
          </h2>
          <TradeTape pairs={markets.pairs} />
        </section>
        <section aria-labelledby="sources-title" className="panel wide">
          <h2 id="sources-title">Sources</h2>
          <SourcesPanel now={now} />
        </section>
        {replay.available && pair !== undefined && (
          <section aria-labelledby="replay-title" className="panel wide">
            <h2 id="replay-title">
              Replay <span className="muted">the hub behind this gateway · times are replay time (UTC)</span>
            </h2>
            <ReplayPanel controls={replay} pair={pair} venues={markets.venuesOf[pair] ?? []} />
          </section>
        )}
      </main>
    </>
  );
}
