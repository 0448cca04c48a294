/**
 * Where prices come from: each exchange connection (state, breaker, reconnects, heartbeat round
 * trip, feed lag), the aggregator's active source per symbol, and who leads ingest.
 */
import type { SourceView } from '../../../src/client/index.js';
import { useSources } from '../../../src/react/index.js';
import { formatAgo, formatCount } from '../format.js';

/** Beyond this the "lag" is a replay's distance from the wall clock, not a delay. */
const REPLAY_LAG_MS = 60_000;

function lagText(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (Math.abs(ms) > REPLAY_LAG_MS) return 'replay clock';
  return `${Math.round(ms)} ms`;
}

export function SourcesPanel({ now }: { now: number }) {
  const { sources, health, error, updatedAt } = useSources({ pollMs: 2000 });
  const feeds = new Map<string, SourceView>();
  for (const s of sources?.sources ?? []) if (!feeds.has(s.exchange)) feeds.set(s.exchange, s);
  return (
    <div id="sources" className="sources">
      <p className="leader">
        {health === undefined ? (
          <span className="muted">
            {error === undefined ? 'asking the gateway…' : `no answer: ${error.message}`}
          </span>
        ) : (
          <>
            Gateway <b data-health={health.status}>{health.status}</b> · instance{' '}
            <code>{health.instanceId ?? '?'}</code> ·{' '}
            {health.isLeader ? (
              <b>leader (runs ingest)</b>
            ) : (
              <>
                follower of <code>{health.leaderId ?? '?'}</code>
              </>
            )}
            {updatedAt !== undefined && <span className="muted"> · checked {formatAgo(updatedAt, now)}</span>}
          </>
        )}
      </p>
      <div className="scroll">
        <table className="grid">
          <caption>Connections</caption>
          <thead>
            <tr>
              <th scope="col">Venue</th>
              <th scope="col">State</th>
              <th scope="col">Breaker</th>
              <th scope="col" className="num">
                Reconnects
              </th>
              <th scope="col" className="num">
                Ping
              </th>
              <th scope="col" className="num">
                Feed lag
              </th>
              <th scope="col" className="num">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {[...feeds.values()].map((s) => {
              const breaker = s.feed?.circuitBreaker?.state ?? s.feed?.breaker ?? '—';
              return (
                <tr key={s.exchange} data-source={s.exchange} data-state={s.feed?.state ?? s.state}>
                  <th scope="row">{s.exchange}</th>
                  <td>
                    <span className="state" data-ok={s.connected}>
                      {s.connected ? '● ' : '○ '}
                      {s.feed?.state ?? s.state}
                    </span>
                  </td>
                  <td data-breaker={breaker}>{breaker}</td>
                  <td className="num">{s.feed?.reconnects ?? 0}</td>
                  <td className="num">{s.feed?.pingRttMs === undefined ? '—' : `${s.feed.pingRttMs} ms`}</td>
                  <td className="num">{lagText(s.feed?.latencyMs ?? s.latencyMs)}</td>
                  <td className="num">{formatCount(s.feed?.messages ?? s.messages)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="scroll">
        <table className="grid">
          <caption>Active source per symbol</caption>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Primary</th>
              <th scope="col">Active</th>
            </tr>
          </thead>
          <tbody>
            {(sources?.symbols ?? []).map((s) => (
              <tr key={s.symbol} data-symbol={s.symbol} data-active={s.active}>
                <th scope="row">{s.symbol}</th>
                <td>{s.primary}</td>
                <td>
                  {s.active}
                  {s.active !== s.primary && <span className="warn"> (failed over)</span>}
                  {s.failoverFailed && <span className="warn"> (no healthy source)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sources !== undefined && !sources.running && <p className="muted">This gateway runs no ingest.</p>}
    </div>
  );
}
