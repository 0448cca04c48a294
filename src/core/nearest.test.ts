import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from './nearest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('start', 'start')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('GATWAY', 'GATEWAY')).toBe(1);
    expect(editDistance('replya', 'replay')).toBe(1);
    expect(editDistance('strat', 'start')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('nearest', () => {
  const env = ['TICKSTREAM_GATEWAY_PORT', 'TICKSTREAM_HUB_PORT', 'TICKSTREAM_LOG_LEVEL'];

  it('picks the closest candidate, ignoring case', () => {
    expect(nearest('TICKSTREAM_GATWAY_PORT', env)).toBe('TICKSTREAM_GATEWAY_PORT');
    expect(nearest('tickstream_hub_prot', env)).toBe('TICKSTREAM_HUB_PORT');
  });

  it('returns undefined when nothing is within maxDistance', () => {
    expect(nearest('foo', ['start', 'replay'], 1)).toBeUndefined();
    expect(nearest('strat', ['replay', 'start'], 1)).toBe('start');
    expect(nearest('x', [])).toBeUndefined();
  });
});
