/**
 * Live candles of the selected pair (lightweight-charts), built from its trades, with a
 * time-frame switch. The chart is drawn by the library on its own canvas; React only hands it
 * the changed candle (or the whole set after a reset), at most once per animation frame.
 */
import {
  CandlestickSeries,
  ColorType,
  HistogramSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import { useCandles, type Candle } from '../../../src/react/index.js';
import { decimalsOf } from '../format.js';

export const TIMEFRAMES = [
  { label: '5s', ms: 5_000 },
  { label: '15s', ms: 15_000 },
  { label: '1m', ms: 60_000 },
  { label: '5m', ms: 300_000 },
] as const;

const UP = '#3fb950';
const DOWN = '#f85149';

interface Series {
  readonly chart: IChartApi;
  readonly candles: ISeriesApi<'Candlestick'>;
  readonly volume: ISeriesApi<'Histogram'>;
}

const toBar = (c: Candle) => ({
  time: (c.time / 1000) as UTCTimestamp,
  open: c.open,
  high: c.high,
  low: c.low,
  close: c.close,
});
const toVolume = (c: Candle) => ({
  time: (c.time / 1000) as UTCTimestamp,
  value: c.volume,
  color: c.close >= c.open ? 'rgba(63,185,80,0.35)' : 'rgba(248,81,73,0.35)',
});

export function PriceChart({ pair }: { pair: string }) {
  const [frame, setFrame] = useState<number>(TIMEFRAMES[0].ms);
  const candles = useCandles(pair, frame, { limit: 400 });
  const box = useRef<HTMLDivElement>(null);
  const series = useRef<Series | undefined>(undefined);
  const drawn = useRef<{ first: number; count: number }>({ first: -1, count: 0 });

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const chart = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#161b22' }, textColor: '#8b949e' },
      grid: { vertLines: { color: '#21262d' }, horzLines: { color: '#21262d' } },
      timeScale: { timeVisible: true, secondsVisible: true, borderColor: '#30363d' },
      rightPriceScale: { borderColor: '#30363d' },
      localization: { timeFormatter: (t: number) => new Date(t * 1000).toISOString().slice(11, 19) },
    });
    const candleSeries = chart.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      wickUpColor: UP,
      wickDownColor: DOWN,
      borderVisible: false,
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    series.current = { chart, candles: candleSeries, volume };
    drawn.current = { first: -1, count: 0 };
    return () => {
      series.current = undefined;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    const s = series.current;
    if (s === undefined) return;
    const d = decimalsOf(pair, candles.at(-1)?.close ?? 1);
    s.candles.applyOptions({ priceFormat: { type: 'price', precision: d, minMove: 10 ** -d } });
  }, [pair, candles]);

  useEffect(() => {
    const s = series.current;
    if (s === undefined) return;
    const first = candles[0]?.time ?? -1;
    const last = candles.at(-1);
    const prev = drawn.current;
    // The same series with at most one candle added: update the tail; otherwise redraw it all.
    if (last !== undefined && prev.first === first && candles.length - prev.count <= 1 && prev.count > 0) {
      if (candles.length - prev.count === 1 && candles.length >= 2) {
        const closed = candles[candles.length - 2];
        s.candles.update(toBar(closed));
        s.volume.update(toVolume(closed));
      }
      s.candles.update(toBar(last));
      s.volume.update(toVolume(last));
    } else {
      s.candles.setData(candles.map(toBar));
      s.volume.setData(candles.map(toVolume));
    }
    drawn.current = { first, count: candles.length };
  }, [candles]);

  return (
    <div className="chart-panel">
      <div className="toolbar" role="group" aria-label="time frame">
        {TIMEFRAMES.map((t) => (
          <button
            key={t.label}
            type="button"
            className="timeframe"
            data-frame={t.label}
            aria-pressed={frame === t.ms}
            onClick={() => setFrame(t.ms)}
          >
            {t.label}
          </button>
        ))}
        <span className="muted">
          candles from {pair}'s trades since this page opened · exchange time (UTC)
        </span>
      </div>
      <div id="chart" ref={box} className="chart" data-chart-pair={pair} data-candles={candles.length} />
    </div>
  );
}
