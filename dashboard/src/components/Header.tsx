import type { StreamStatus } from '../../../src/react/index.js';
import { formatLocalTime, formatUtc } from '../format.js';

const LABEL: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  degraded: 'Reconnecting — showing last prices',
  error: 'Gateway unreachable — retrying',
};

export interface HeaderProps {
  readonly status: StreamStatus;
  readonly transport: string | undefined;
  /** Exchange time of the data: replay time behind a hub. */
  readonly marketTime: number | undefined;
  readonly replaying: boolean;
  readonly now: number;
}

export function Header({ status, transport, marketTime, replaying, now }: HeaderProps) {
  return (
    <header className="topbar">
      <h1>Tickstream</h1>
      <div id="connection" className="connection" data-state={status} role="status" aria-live="polite">
        <span className="dot" aria-hidden="true" />
        <span id="connection-label">{LABEL[status]}</span>
        {status === 'connected' && transport !== undefined && <span className="muted"> · {transport}</span>}
      </div>
      <dl className="clocks">
        <div>
          <dt>{replaying ? 'Replay time' : 'Market time'}</dt>
          <dd id="market-time" data-ms={marketTime ?? ''}>
            {marketTime === undefined ? '—' : formatUtc(marketTime)}
          </dd>
        </div>
        <div>
          <dt>Wall time</dt>
          <dd id="wall-time">{formatLocalTime(now)}</dd>
        </div>
      </dl>
    </header>
  );
}

export function UnreachableBanner({ origin, error }: { origin: string; error: Error | undefined }) {
  return (
    <div id="unreachable" className="banner" role="alert">
      <strong>Cannot reach the Tickstream gateway at {origin}.</strong> Prices below are the last ones
      received and are marked stale; the page reconnects by itself when the gateway is back.
      {error !== undefined && <span className="muted"> ({error.message})</span>}
    </div>
  );
}
