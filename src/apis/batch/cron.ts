/**
 * CronJob schedules: robfig/cron v3's standard schedules (cron.ParseStandard), the one parser
 * both the CronJob validation (which reports its error texts) and the CronJob controller (which
 * computes activation times from it) use. Five fields (minute, hour, day of month, month, day of
 * week) with names, ranges, steps, `*` and `?`; the descriptors @yearly ... @hourly; `@every
 * <duration>`; and a `TZ=` or `CRON_TZ=` prefix naming the schedule's time zone.
 */

export interface CronSchedule {
  /** The first activation strictly after `t` (ms), or undefined if there is none within 5 years. */
  next(t: number): number | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

type Bounds = [min: number, max: number, names?: string[]];

const FIELDS: Bounds[] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']],
  [0, 6, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
];

/** The values one field allows; `star` when it was `*` or `?` without a step over 1 (robfig's starBit). */
interface Field {
  values: Set<number>;
  star: boolean;
}

class CronSyntaxError extends Error {}

const fail = (message: string): never => {
  throw new CronSyntaxError(message);
};

/** One field of a standard cron expression (getField / getRange), with robfig/cron's error texts. */
function parseField(field: string, [min, max, names]: Bounds): Field {
  const num = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return i + min;
    if (!/^\d+$/.test(s)) fail(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
    return Number(s);
  };
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(',')) {
    const rangeAndStep = expr.split('/');
    if (rangeAndStep.length > 2) fail(`too many slashes: ${expr}`);
    const lowAndHigh = rangeAndStep[0]!.split('-');
    if (lowAndHigh.length > 2) fail(`too many hyphens: ${expr}`);
    let start: number;
    let end: number;
    let partStar = false;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
      start = min;
      end = max;
      partStar = true;
    } else {
      start = num(lowAndHigh[0]!);
      end = lowAndHigh.length === 2 ? num(lowAndHigh[1]!) : start;
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      step = num(rangeAndStep[1]!);
      if (step <= 0) fail(`step of range should be a positive number: ${expr}`);
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1 && !partStar) end = max;
      if (step > 1) partStar = false;
    }
    if (start < min) fail(`beginning of range (${start}) below minimum (${min}): ${expr}`);
    if (end > max) fail(`end of range (${end}) above maximum (${max}): ${expr}`);
    if (start > end) fail(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    for (let v = start; v <= end; v += step) values.add(v);
    if (partStar) star = true;
  }
  return { values, star };
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** time.ParseDuration for unsigned sums like `1h30m` or `1.5s` (ms), or undefined. */
function parseDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === s.length && s.length > 0 ? total : undefined;
}

/** Wall-clock fields of an instant in a time zone (a Date whose UTC fields are the wall time). */
export function wallClock(t: number, tz: string | undefined): Date {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return new Date(t);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return new Date(Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'), new Date(t).getUTCMilliseconds()));
}

/** The instant at which a time zone's clocks show `wall` (a Date whose UTC fields are the wall time). */
function fromWallClock(wall: number, tz: string | undefined): number {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return wall;
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const offset = wallClock(guess, tz).getTime() - guess;
    guess = wall - offset;
  }
  return guess;
}

/** SpecSchedule.Next on the five fields, in the zone `tz` (UTC when empty). */
function specSchedule([minute, hour, dom, month, dow]: Field[], tz: string | undefined): CronSchedule {
  const dayMatches = (d: Date) => {
    const domMatch = dom!.values.has(d.getUTCDate());
    const dowMatch = dow!.values.has(d.getUTCDay());
    return dom!.star || dow!.star ? domMatch && dowMatch : domMatch || dowMatch;
  };
  return {
    next(t: number): number | undefined {
      // Work on the wall clock of the zone, from the next whole minute.
      const w = wallClock(t, tz);
      w.setUTCSeconds(0, 0);
      w.setUTCMinutes(w.getUTCMinutes() + 1);
      const limit = w.getTime() + 5 * 366 * 86_400_000;
      while (w.getTime() < limit) {
        if (!month!.values.has(w.getUTCMonth() + 1)) {
          w.setUTCMonth(w.getUTCMonth() + 1, 1);
          w.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!dayMatches(w)) {
          w.setUTCDate(w.getUTCDate() + 1);
          w.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!hour!.values.has(w.getUTCHours())) {
          w.setUTCHours(w.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minute!.values.has(w.getUTCMinutes())) {
          w.setUTCMinutes(w.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        const at = fromWallClock(w.getTime(), tz);
        if (at > t) return at;
        w.setUTCMinutes(w.getUTCMinutes() + 1, 0, 0);
      }
      return undefined;
    },
  };
}

/**
 * cron.ParseStandard: the schedule, in the time zone of its `TZ=`/`CRON_TZ=` prefix or else
 * `timeZone` (spec.timeZone; UTC when unset). Throws an Error with robfig/cron's text.
 */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  let s = schedule.trim();
  let tz = timeZone;
  const tzPrefix = /^(CRON_TZ|TZ)=(\S*)\s+/.exec(s);
  if (tzPrefix) {
    tz = tzPrefix[2];
    s = s.slice(tzPrefix[0].length).trim();
  }
  if (s.startsWith('@')) {
    if (s.startsWith('@every ')) {
      const d = parseDuration(s.slice(7).trim());
      if (d === undefined) fail(`failed to parse duration ${s}`);
      const every = Math.max(1000, Math.floor(d! / 1000) * 1000);
      // ConstantDelaySchedule: next = t + delay, rounded down to the second.
      return { next: (t) => Math.floor((t + every) / 1000) * 1000 };
    }
    s = DESCRIPTORS[s] ?? fail(`unrecognized descriptor: ${s}`);
  }
  const fields = s.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) fail(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return specSchedule(
    fields.map((f, i) => parseField(f, FIELDS[i]!)),
    tz,
  );
}

/** cron.ParseStandard's error for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    parseCronSchedule(schedule);
    return undefined;
  } catch (e) {
    if (e instanceof CronSyntaxError) return e.message;
    throw e;
  }
}
