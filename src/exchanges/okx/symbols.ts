/**
 * OKX names a spot pair `BTC-USDT` (instId); Tickstream's canonical form is `BTC/USDT`. Tick and
 * lot sizes come from REST `/api/v5/public/instruments?instType=SPOT`, every number a string.
 */
import { DecodeError } from '../../core/errors.js';

/** The fields of one SPOT instruments entry this module reads (OKX sends many more). */
export interface OkxSpotInstrument {
  readonly instId: string;
  readonly instType: string;
  readonly baseCcy: string;
  readonly quoteCcy: string;
  readonly tickSz: string;
  readonly lotSz: string;
  readonly minSz: string;
  readonly state: string;
}

export interface OkxPair {
  /** Canonical symbol: `BTC/USDT`. */
  readonly symbol: string;
  /** OKX instrument id: `BTC-USDT`. */
  readonly instId: string;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly minSize: number;
}

/** `BTC-USDT` → `BTC/USDT`. Throws DecodeError for an id that is not `BASE-QUOTE`. */
export function canonicalSymbolOf(instId: string): string {
  const parts = instId.split('-');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new DecodeError(`OKX spot instId "${instId}" is not BASE-QUOTE (e.g. BTC-USDT)`);
  }
  return `${parts[0]}/${parts[1]}`;
}

/** `BTC/USDT` → `BTC-USDT`. Throws DecodeError for a symbol that is not `BASE/QUOTE`. */
export function instIdOf(symbol: string): string {
  const parts = symbol.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new DecodeError(`symbol "${symbol}" is not BASE/QUOTE (e.g. BTC/USDT)`);
  }
  return `${parts[0]}-${parts[1]}`;
}

function positive(text: string, field: string, instId: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value <= 0) {
    throw new DecodeError(`OKX instrument ${instId}: ${field} "${text}" is not a positive number`);
  }
  return value;
}

/** The pair of one SPOT instruments entry. */
export function pairFromInstrument(entry: OkxSpotInstrument): OkxPair {
  if (entry.instType !== 'SPOT') {
    throw new DecodeError(`OKX instrument ${entry.instId} is ${entry.instType}, only SPOT is supported`);
  }
  return {
    symbol: `${entry.baseCcy}/${entry.quoteCcy}`,
    instId: entry.instId,
    tickSize: positive(entry.tickSz, 'tickSz', entry.instId),
    lotSize: positive(entry.lotSz, 'lotSz', entry.instId),
    minSize: positive(entry.minSz, 'minSz', entry.instId),
  };
}
