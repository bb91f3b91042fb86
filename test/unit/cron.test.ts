import { describe, expect, it } from 'vitest';
import { cronScheduleError, parseCronSchedule } from '../../src/apis/batch/cron.js';

describe('cron schedule errors (robfig/cron texts)', () => {
  const cases: [string, string | undefined][] = [
    ['*/5 * * * *', undefined],
    ['0 0 * JAN-MAR MON', undefined],
    ['0 9 * * mon-fri', undefined],
    ['? ? ? ? ?', undefined],
    ['5/15 1-5 1,15 */2 0', undefined],
    ['  0 0 1 1 *  ', undefined],
    ['@hourly', undefined],
    ['@annually', undefined],
    ['@every 90s', undefined],
    ['@every 1h30m', undefined],
    ['@every 1.5m', undefined],
    ['TZ=UTC 0 0 * * *', undefined],
    ['CRON_TZ=Asia/Tokyo @daily', undefined],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['*/x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['every minute', 'expected exactly 5 fields, found 2: [every minute]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['@every 5x', 'failed to parse duration @every 5x'],
    ['@every', 'unrecognized descriptor: @every'],
    ['@reboot', 'unrecognized descriptor: @reboot'],
  ];
  it.each(cases)('%j: %s', (schedule, want) => {
    expect(cronScheduleError(schedule)).toBe(want);
    if (want === undefined) expect(() => parseCronSchedule(schedule)).not.toThrow();
    else expect(() => parseCronSchedule(schedule)).toThrow(want);
  });
});

describe('cron schedule times', () => {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const cases: [string, string, string | undefined, string | undefined][] = [
    // schedule, after, timeZone, next
    ['*/15 * * * *', '2024-03-01T00:07:30Z', undefined, '2024-03-01T00:15:00.000Z'],
    ['*/15 * * * *', '2024-03-01T00:15:00Z', undefined, '2024-03-01T00:30:00.000Z'],
    ['5/20 * * * *', '2024-03-01T00:26:00Z', undefined, '2024-03-01T00:45:00.000Z'],
    ['0 9 * * 1-5', '2024-03-01T10:00:00Z', undefined, '2024-03-04T09:00:00.000Z'],
    ['0 9 * * sat,SUN', '2024-03-01T10:00:00Z', undefined, '2024-03-02T09:00:00.000Z'],
    ['@hourly', '2024-03-01T10:00:00Z', undefined, '2024-03-01T11:00:00.000Z'],
    ['@weekly', '2024-03-01T10:00:00Z', undefined, '2024-03-03T00:00:00.000Z'],
    ['@yearly', '2024-03-01T10:00:00Z', undefined, '2025-01-01T00:00:00.000Z'],
    ['0 0 1 jan *', '2024-03-01T10:00:00Z', undefined, '2025-01-01T00:00:00.000Z'],
    ['0 0 29 2 *', '2024-03-01T00:00:00Z', undefined, '2028-02-29T00:00:00.000Z'],
    ['0 0 30 2 *', '2024-03-01T00:00:00Z', undefined, undefined],
    // Day of month OR day of week when neither is * (or ?); AND when one is.
    ['0 0 13 * 5', '2024-03-01T10:00:00Z', undefined, '2024-03-08T00:00:00.000Z'],
    ['0 0 13 * *', '2024-03-01T10:00:00Z', undefined, '2024-03-13T00:00:00.000Z'],
    ['0 0 ? * 5', '2024-03-01T10:00:00Z', undefined, '2024-03-08T00:00:00.000Z'],
    // A step over 1 makes * a plain list: the 13th OR Sun/Tue/Thu/Sat (2024-03-01 is a Friday).
    ['0 0 13 * */2', '2024-03-01T10:00:00Z', undefined, '2024-03-02T00:00:00.000Z'],
    ['0 0 13 * */1', '2024-03-01T10:00:00Z', undefined, '2024-03-13T00:00:00.000Z'],
    // Time zones: 9:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    ['0 9 * * *', '2024-01-10T00:00:00Z', 'America/New_York', '2024-01-10T14:00:00.000Z'],
    ['0 9 * * *', '2024-07-10T00:00:00Z', 'America/New_York', '2024-07-10T13:00:00.000Z'],
    ['TZ=Asia/Kolkata 30 9 * * *', '2024-07-10T00:00:00Z', undefined, '2024-07-10T04:00:00.000Z'],
    ['CRON_TZ=UTC 0 9 * * *', '2024-07-10T00:00:00Z', 'America/New_York', '2024-07-10T09:00:00.000Z'],
    // @every: a constant delay, rounded down to the second (at least one second).
    ['@every 90s', '2024-03-01T00:00:00.500Z', undefined, '2024-03-01T00:01:30.000Z'],
    ['@every 1h30m', '2024-03-01T00:00:00Z', 'America/New_York', '2024-03-01T01:30:00.000Z'],
    ['@every 100ms', '2024-03-01T00:00:00.250Z', undefined, '2024-03-01T00:00:01.000Z'],
  ];
  it.each(cases)('%j after %s (%s): %s', (schedule, after, tz, want) => expect(iso(parseCronSchedule(schedule, tz).next(Date.parse(after)))).toBe(want));
});
