/**
 * Replay controls (pause, resume, speed, seek) and fault buttons, shown when a replay hub runs
 * behind the gateway. Times here are replay time (exchange timestamps), in UTC.
 */
import { useState } from 'react';
import type { Exchange } from '../../../src/client/index.js';
import { formatCount, formatUtc } from '../format.js';
import { replayTimeOf, type ReplayControls, type Speed } from '../use-replay.js';

const SPEEDS: readonly Speed[] = [1, 5, 20, 100, 'max'];
const FAULTS = [
  { fault: 'disconnect', label: 'Disconnect', hint: 'the venue drops the connection' },
  { fault: 'stall', label: 'Stall 10 s', hint: 'the connection goes silent', ms: 10_000 },
  { fault: 'gap', label: 'Sequence gap', hint: 'a book update is skipped' },
  { fault: 'checksum', label: 'Bad checksum', hint: 'a book checksum is corrupted' },
  { fault: 'malformed', label: 'Malformed frame', hint: 'a broken frame is sent' },
] as const;

/** `2026-01-05T14:31:05` for a datetime-local input showing UTC. */
function toInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export interface ReplayPanelProps {
  readonly controls: ReplayControls;
  readonly pair: string;
  readonly venues: readonly Exchange[];
}

export function ReplayPanel({ controls, pair, venues }: ReplayPanelProps) {
  const { replay, faults, error } = controls;
  const [seekTo, setSeekTo] = useState('');
  const [faultVenue, setFaultVenue] = useState<string>('');
  if (replay === undefined) return <p className="muted">asking the hub…</p>;
  const time = replayTimeOf(replay);
  const paused = replay.state === 'paused';
  const venue = venues.includes(faultVenue as Exchange) ? faultVenue : (venues[0] ?? '');
  const seek = () => {
    const ms = Date.parse(`${seekTo || (time === undefined ? '' : toInput(time))}Z`);
    if (Number.isFinite(ms)) void controls.send({ action: 'seek', to: ms });
  };
  return (
    <div id="replay" className="replay" data-state={replay.state}>
      <div className="controls">
        <button
          type="button"
          id="replay-toggle"
          onClick={() => void controls.send({ action: paused ? 'resume' : 'pause' })}
          disabled={replay.state === 'finished'}
        >
          {paused ? '▶ Resume' : '❚❚ Pause'}
        </button>
        <label>
          Speed{' '}
          <select
            id="replay-speed"
            value={String(replay.speed)}
            onChange={(e) => {
              const v = e.target.value;
              void controls.send({ action: 'speed', speed: v === 'max' ? 'max' : Number(v) });
            }}
          >
            {[...new Set([...SPEEDS, replay.speed])].map((s) => (
              <option key={String(s)} value={String(s)}>
                {s === 'max' ? 'max' : `${s}×`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Seek to (UTC){' '}
          <input
            id="replay-seek"
            type="datetime-local"
            step={1}
            value={seekTo || (time === undefined ? '' : toInput(time))}
            onChange={(e) => setSeekTo(e.target.value)}
          />
        </label>
        <button type="button" onClick={seek}>
          Seek
        </button>
        <span className="muted">
          {replay.state} · replay time {time === undefined ? '—' : formatUtc(time)}
        </span>
      </div>
      <div className="scroll">
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Publisher</th>
              <th scope="col">State</th>
              <th scope="col">Speed</th>
              <th scope="col">Replay time</th>
              <th scope="col" className="num">
                Published
              </th>
              <th scope="col" className="num">
                Restarts
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(replay.exchanges).map(([name, p]) => (
              <tr key={name} data-publisher={name}>
                <th scope="row">{name}</th>
                <td>{p.state}</td>
                <td>{p.speed === 'max' ? 'max' : `${p.speed}×`}</td>
                <td className="num">{p.replayTime === null ? '—' : formatUtc(p.replayTime)}</td>
                <td className="num">{formatCount(p.published)}</td>
                <td className="num">{p.restarts ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="faults">
        <label>
          Inject a fault into{' '}
          <select id="fault-venue" value={venue} onChange={(e) => setFaultVenue(e.target.value)}>
            {venues.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>{' '}
          {pair}:
        </label>
        {FAULTS.map((f) => (
          <button
            key={f.fault}
            type="button"
            data-fault={f.fault}
            title={f.hint}
            disabled={venue === ''}
            onClick={() =>
              void controls.injectFault({
                exchange: venue,
                symbol: pair,
                fault: f.fault,
                count: 1,
                ...('ms' in f ? { ms: f.ms } : {}),
              })
            }
          >
            {f.label}
          </button>
        ))}
        <button type="button" onClick={() => void controls.clearFaults()} disabled={faults.length === 0}>
          Clear faults
        </button>
      </div>
      {faults.length > 0 && (
        <ul id="armed-faults" className="muted">
          {faults.map((f, i) => (
            <li key={i}>
              {f.exchange} {f.symbol} {f.fault} armed
            </li>
          ))}
        </ul>
      )}
      {error !== undefined && (
        <p className="warn" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
