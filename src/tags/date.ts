// `{{date 'FORMAT' tz='Zone'}}`: docker/metadata-action formats with moment-timezone. We format
// with moment itself and take the zone's UTC offset from Intl (Node's own time zone data), which
// gives the same text without shipping moment-timezone's 800 KB zone database. moment costs
// about 6 ms to load, so it is loaded only for inputs that use a date (loadDateFormatter).
import type MomentModule from 'moment'
import { RuleError } from './rule-error.js'

let moment: typeof MomentModule | undefined

/** Loads moment; formatDate needs it. Cheap when already loaded. */
export async function loadDateFormatter(): Promise<void> {
  moment ??= (await import('moment')).default
}

/** True when `text` has a `{{date ...}}` or `{{commit_date ...}}` expression. */
export const usesDates = (text: string): boolean => /\{\{\s*(?:commit_)?date\b/.test(text)

const formatters = new Map<string, Intl.DateTimeFormat>()

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric'
      })
    } catch {
      throw new RuleError(
        `unknown time zone "${tz}"`,
        `use an IANA zone name such as tz='UTC' or tz='Europe/Paris'`
      )
    }
    formatters.set(tz, f)
  }
  return f
}

/** Minutes east of UTC in `tz` at `date` (daylight saving time included). */
function utcOffset(date: Date, tz: string): number {
  if (tz === 'UTC') return 0 // the default; Intl's first zone lookup costs about 15 ms
  const get: Record<string, number> = {}
  for (const p of zoneFormatter(tz).formatToParts(date)) get[p.type] = Number(p.value)
  const local = Date.UTC(get.year, get.month - 1, get.day, get.hour, get.minute, get.second)
  return Math.round((local - (date.getTime() - date.getUTCMilliseconds())) / 60000)
}

/**
 * Formats `date` in `tz` with a moment format string; no format → moment's default
 * (`2020-01-10T00:30:00Z`, or `+09:00` instead of `Z` in other zones).
 */
export function formatDate(date: Date, format: string | undefined, tz = 'UTC'): string {
  // `z` is the zone's abbreviation (JST), which needs moment-timezone's database.
  if (format !== undefined && /z/.test(format.replace(/\[[^[]*]|\\./g, ''))) {
    throw new RuleError(
      `the zone name token z in format '${format}' is not supported`,
      'use Z (+09:00) or ZZ (+0900) for the offset, or put literal text in [brackets]'
    )
  }
  const offset = utcOffset(date, tz)
  if (!moment) throw new Error('the date formatter is not loaded: await loadTagLibraries() first')
  return moment.utc(date).utcOffset(offset).format(format)
}
