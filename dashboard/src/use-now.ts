import { useEffect, useState } from 'react';

/** The wall clock, re-read every `periodMs` (one timer per caller; the header and tiles share one). */
export function useNow(periodMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}
