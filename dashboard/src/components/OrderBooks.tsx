/**
 * Each venue's own order book of the selected pair (`book@<venue>:<pair>`), top 20 per side:
 * asks highest first so the best ask sits on the spread line above the best bid; a depth bar
 * per level shows the cumulative size from the spread, scaled to the deeper side.
 */
import type { Exchange, Level } from '../../../src/client/index.js';
import { useOrderBook } from '../../../src/react/index.js';
import { formatAmount, formatDelta, formatPrice, formatUtcTime, notePrecision } from '../format.js';

export const BOOK_DEPTH = 20;

const totalFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 5 });
/** Cumulative size, five significant digits: a depth reading, not a quantity to trade. */
function formatTotal(n: number): string {
  return totalFormat.format(n);
}

function cumulative(levels: readonly Level[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const [, amount] of levels) out.push((sum += amount));
  return out;
}

function Rows({
  pair,
  levels,
  depth,
  max,
  side,
}: {
  pair: string;
  levels: readonly Level[];
  depth: readonly number[];
  max: number;
  side: 'ask' | 'bid';
}) {
  return (
    <>
      {levels.map(([price, amount], i) => (
        <tr
          key={price}
          data-price={price}
          className={side}
          style={{ '--depth': max > 0 ? (depth[i] / max).toFixed(4) : '0' } as React.CSSProperties}
        >
          <td className="num price">{formatPrice(pair, price)}</td>
          <td className="num">{formatAmount(pair, amount)}</td>
          <td className="num muted">{formatTotal(depth[i])}</td>
        </tr>
      ))}
    </>
  );
}

function VenueBook({ venue, pair }: { venue: Exchange; pair: string }) {
  const book = useOrderBook(`${venue}:${pair}`, BOOK_DEPTH);
  for (const [price, amount] of book.bids) notePrecision(pair, price, amount);
  for (const [price, amount] of book.asks) notePrecision(pair, price, amount);
  const askDepth = cumulative(book.asks);
  const bidDepth = cumulative(book.bids);
  const max = Math.max(askDepth.at(-1) ?? 0, bidDepth.at(-1) ?? 0);
  // Highest first: the reversed copy keeps the hook's (best-first) arrays untouched.
  const asks = [...book.asks].reverse();
  const asksDepth = [...askDepth].reverse();
  const waiting = book.bids.length === 0 && book.asks.length === 0;
  const spreadText =
    book.spread === undefined || book.mid === undefined
      ? waiting
        ? 'no book yet'
        : 'one side empty'
      : `spread ${formatDelta(pair, book.spread, book.mid)} (${((book.spread / book.mid) * 10_000).toFixed(1)} bp)`;
  return (
    <article className="book" data-book-venue={venue} data-state={waiting ? 'waiting' : 'live'}>
      <header className="book-head">
        <span className="venue">{venue}</span>
        <span className="muted">
          {book.timestamp === undefined ? '' : formatUtcTime(book.timestamp)}
          {book.sequence === undefined ? '' : ` · seq ${book.sequence}`}
        </span>
      </header>
      <table className="ladder">
        <thead>
          <tr>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody className="asks" aria-label="asks">
          <Rows pair={pair} levels={asks} depth={asksDepth} max={max} side="ask" />
        </tbody>
        <tbody className="spread-row">
          <tr>
            <td colSpan={3} className="spread">
              {spreadText}
            </td>
          </tr>
        </tbody>
        <tbody className="bids" aria-label="bids">
          <Rows pair={pair} levels={book.bids} depth={bidDepth} max={max} side="bid" />
        </tbody>
      </table>
    </article>
  );
}

export function OrderBooks({ pair, venues }: { pair: string; venues: readonly Exchange[] }) {
  if (venues.length === 0) return <p className="muted">No venue carries {pair}.</p>;
  return (
    <div id="books" className="books">
      {venues.map((venue) => (
        <VenueBook key={`${venue}:${pair}`} venue={venue} pair={pair} />
      ))}
    </div>
  );
}
