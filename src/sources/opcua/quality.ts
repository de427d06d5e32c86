/**
 * OPC UA StatusCode → Sparkplug quality. The two top bits of a StatusCode are its severity
 * (Part 4, 7.39): 00 Good, 01 Uncertain, 10 Bad (11 is reserved; treated as Bad). Info bits
 * (e.g. Good with Overflow set) do not change the severity, so a value with them is still good.
 */
import { Quality } from '../types.js';
import type { BadQuality } from '../types.js';

/**
 * GOOD for a trustworthy value; STALE for Uncertain*, whose value is never reported; BAD for Bad*.
 * [tck-id-payloads-propertyset-quality-value-value]
 */
export function qualityOf(statusCode: number): typeof Quality.GOOD | BadQuality {
  switch (statusCode >>> 30) {
    case 0:
      return Quality.GOOD;
    case 1:
      return Quality.STALE;
    default:
      return Quality.BAD;
  }
}
