import type { Exchange } from '../../../src/client/index.js';
import type { PriceStream, PriceView } from '../../../src/react/index.js';
import { formatAgo, formatPct, formatPrice, formatUtcTime } from '../format.js';
import { marketClosed } from '../market-hours.js';

export type TileState = 'waiting' | 'live' | 'stale' | 'degraded' | 'closed';

const STATE_LABEL: Record<TileState, string> = {
  waiting: 'waiting',
  live: 'live',
  stale: 'stale',
  degraded: 'last known',
  closed: 'closed',
};

export interface PriceTilesProps {
  readonly pairs: readonly string[];
  readonly venuesOf: Readonly<Record<string, readonly Exchange[]>>;
  readonly stream: PriceStream;
  readonly marketTime: number;
  readonly now: number;
  readonly selected: string | undefined;
  readonly onSelect: (pair: string) => void;
}

function tileState(
  key: string,
  view: PriceView | undefined,
  stream: PriceStream,
  marketTime: number,
): TileState {
  if (marketClosed(key.slice(key.indexOf(':') + 1), marketTime)) return 'closed';
  if (view === undefined) return 'waiting';
  if (view.cached === true) return 'degraded';
  return stream.isPriceStale(key) ? 'stale' : 'live';
}

/** A price tile per pair: the aggregated price, and each venue's own when several carry it. */
export function PriceTiles(props: PriceTilesProps) {
  const { pairs, venuesOf, stream, marketTime, now } = props;
  if (pairs.length === 0) return <p className="muted">Waiting for the gateway to list its pairs…</p>;
  return (
    <div id="prices" className="tiles">
      {pairs.map((pair) => {
        const view = stream.prices[pair];
        const state = tileState(pair, view, stream, marketTime);
        const venues = venuesOf[pair] ?? [];
        return (
          <article
            key={pair}
            className={`tile${props.selected === pair ? ' selected' : ''}`}
            data-pair={pair}
            data-state={state}
          >
            <header className="tile-head">
              <button
                type="button"
                className="pair"
                title="show this pair's chart, book and trades"
                onClick={() => props.onSelect(pair)}
                aria-pressed={props.selected === pair}
              >
                {pair}
              </button>
              <span className="indicator" data-state={state}>
                <span className="dot" aria-hidden="true" />
                {STATE_LABEL[state]}
              </span>
            </header>
            <div className="price num" data-value={view?.price ?? ''}>
              {formatPrice(pair, view?.price)}
            </div>
            <div className="tile-foot">
              <span className="change num" data-sign={Math.sign(view?.change24hPct ?? 0)}>
                {view?.change24hPct === undefined ? '' : `${formatPct(view.change24hPct)} 24h`}
              </span>
              <span className="source muted">{view === undefined ? '' : `via ${view.exchange}`}</span>
            </div>
            <span className="updated muted">
              {state === 'closed'
                ? 'market closed'
                : view === undefined
                  ? 'no data yet'
                  : `${formatUtcTime(view.timestamp)} UTC · ${formatAgo(view.receivedAt, now)}`}
            </span>
            {venues.length > 1 && (
              <table className="venues">
                <tbody>
                  {venues.map((venue) => {
                    const key = `${venue}:${pair}`;
                    const v = stream.prices[key];
                    return (
                      <tr key={venue} data-venue={venue} data-state={tileState(key, v, stream, marketTime)}>
                        <th scope="row">{venue}</th>
                        <td className="num">{formatPrice(pair, v?.price)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </article>
        );
      })}
    </div>
  );
}
