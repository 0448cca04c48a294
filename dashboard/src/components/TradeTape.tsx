import { useTrades } from '../../../src/react/index.js';
import { formatAmount, formatPrice, formatUtcTime, notePrecision } from '../format.js';

const TAPE_SIZE = 30;

/** The last trades of every pair, newest first; side in words and arrows as well as colour. */
export function TradeTape({ pairs }: { pairs: readonly string[] }) {
  const { trades } = useTrades(pairs, TAPE_SIZE);
  for (const t of trades) notePrecision(t.symbol, t.price, t.amount);
  return (
    <table id="trade-tape" className="tape">
      <thead>
        <tr>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Pair</th>
          <th scope="col">Side</th>
          <th scope="col" className="num">
            Price
          </th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col">Venue</th>
        </tr>
      </thead>
      <tbody id="trade-tape-body">
        {trades.map((t) => (
          <tr
            key={`${t.exchange}:${t.symbol}:${t.id}:${t.timestamp}`}
            data-trade-pair={t.symbol}
            data-side={t.side}
          >
            <td className="num">{formatUtcTime(t.timestamp)}</td>
            <td>{t.symbol}</td>
            <td className="side">{t.side === 'buy' ? '▲ buy' : t.side === 'sell' ? '▼ sell' : t.side}</td>
            <td className="num">{formatPrice(t.symbol, t.price)}</td>
            <td className="num">{formatAmount(t.symbol, t.amount)}</td>
            <td>{t.exchange}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
