import type { StreamPosition } from '../bus/bus.js';

/**
 * The position fields of a data frame, `,"offset":12,"epoch":"ab12cd34"`, written between a
 * message's `data` and the envelope's closing `}`. The epoch's JSON is cached: it changes only
 * when a bus loses its history.
 */
export class PositionTail {
  private epoch = '';
  private epochField = ',"epoch":""';

  of(position: StreamPosition): string {
    if (position.epoch !== this.epoch) {
      this.epoch = position.epoch;
      this.epochField = ',"epoch":' + JSON.stringify(position.epoch);
    }
    return ',"offset":' + position.offset + this.epochField;
  }
}
