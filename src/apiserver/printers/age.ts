/**
 * Human-readable durations and ages, as k8s.io/apimachinery/pkg/util/duration and the
 * printers' translateTimestampSince produce them. Go truncates every unit toward zero.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const div = (a: number, b: number): number => Math.trunc(a / b);

/**
 * duration.HumanDuration: about two or three significant figures ("119s", "5m3s", "3h10m",
 * "2d4h", "400d", "2y30d", "12y"). Durations a little in the future (under 2s) read "0s";
 * further in the future, "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = div(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = div(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = div(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${div(hours, 24)}d` : `${div(hours, 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${div(hours, 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = div(hours, 24) % 365;
    const years = div(hours, 24 * 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${div(hours, 24 * 365)}y`;
}

/** duration.ShortHumanDuration: a single unit ("45s", "12m", "5h", "300d", "3y"). */
export function shortHumanDuration(ms: number): string {
  const seconds = div(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = div(ms, MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = div(ms, HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${div(hours, 24)}d`;
  return `${div(hours, 24 * 365)}y`;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which metav1.Time.IsZero reports as unset. */
export const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether a string is an RFC 3339 timestamp, as Go's time.Parse(time.RFC3339, ...) reads them. */
export const isRfc3339 = (s: string): boolean => RFC3339.test(s) && !Number.isNaN(Date.parse(s));

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp (Time or MicroTime), or undefined
 * when it is missing, malformed, or Go's zero time.
 */
export function timestampMs(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'string' || !RFC3339.test(timestamp)) return undefined;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME) return undefined;
  return ms;
}

/** translateTimestampSince: the age of a timestamp, or "<unknown>" when it is unset. */
export function age(timestamp: string | undefined, now: number): string {
  const ms = timestampMs(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}
