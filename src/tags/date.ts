// A small moment.js-compatible date formatter (the `{{date 'FORMAT' tz='Zone'}}` expression of
// docker/metadata-action is moment-timezone). Time zones come from Intl, so no tz database ships
// with the action. Supported tokens are listed in SUPPORTED; `[text]` is literal text.
import { RuleError } from './rule-error.js'

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
]
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

export const SUPPORTED =
  'YYYY YY Y Q M MM MMM MMMM Mo D DD Do DDD DDDD d dd ddd dddd E H HH h hh k kk m mm s ss S SS SSS A a Z ZZ X x W WW GGGG'

// Longest tokens first; `[...]` is an escape. Anything else is copied as it is, like moment does,
// except the letters of moment tokens we do not implement (rejected below rather than misprinted).
const TOKEN =
  /\[([^\]]*)]|YYYY|YY|Y|Qo|Q|MMMM|MMM|MM|Mo|M|DDDD|DDDo|DDD|DD|Do|D|dddd|ddd|dd|do|d|E|HH|H|hh|h|kk|k|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x|WW|Wo|W|GGGG|[LlNwygGze]/g

interface Parts {
  year: number
  month: number // 1-12
  day: number
  hour: number
  minute: number
  second: number
  ms: number
  offset: number // minutes east of UTC
}

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

function zoned(date: Date, tz: string): Parts {
  const get: Record<string, number> = {}
  for (const p of zoneFormatter(tz).formatToParts(date)) get[p.type] = Number(p.value)
  const ms = date.getUTCMilliseconds()
  const local = Date.UTC(get.year, get.month - 1, get.day, get.hour, get.minute, get.second)
  const offset = Math.round((local - (date.getTime() - ms)) / 60000)
  return { ...(get as unknown as Parts), ms, offset }
}

const pad = (n: number, width: number): string => String(Math.abs(n)).padStart(width, '0')

function ordinal(n: number): string {
  const tens = n % 100
  if (tens >= 11 && tens <= 13) return `${n}th`
  return n + (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
}

function offsetText(minutes: number, sep: string): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  return `${sign}${pad(Math.floor(abs / 60), 2)}${sep}${pad(abs % 60, 2)}`
}

/** ISO-8601 week number and week-year of a calendar date. */
function isoWeek(p: Parts): { week: number; year: number } {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day))
  const dow = d.getUTCDay() || 7
  d.setUTCDate(d.getUTCDate() + 4 - dow) // the Thursday of this week decides the year
  const year = d.getUTCFullYear()
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86400000 + 1) / 7)
  return { week, year }
}

/**
 * Formats `date` in `tz` with a moment format string. No format → moment's default
 * (`YYYY-MM-DDTHH:mm:ssZ`, with a literal `Z` when the offset is zero).
 */
export function formatDate(date: Date, format: string | undefined, tz = 'UTC'): string {
  const p = zoned(date, tz)
  const fmt = format ?? (p.offset === 0 ? 'YYYY-MM-DDTHH:mm:ss[Z]' : 'YYYY-MM-DDTHH:mm:ssZ')
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()
  const dayOfYear = (Date.UTC(p.year, p.month - 1, p.day) - Date.UTC(p.year, 0, 1)) / 86400000 + 1
  const h12 = p.hour % 12 || 12
  return fmt.replace(TOKEN, (tok: string, literal: string | undefined) => {
    if (literal !== undefined) return literal
    switch (tok) {
      case 'YYYY':
        return pad(p.year, 4)
      case 'YY':
        return pad(p.year % 100, 2)
      case 'Y':
        return String(p.year)
      case 'Q':
        return String(Math.ceil(p.month / 3))
      case 'Qo':
        return ordinal(Math.ceil(p.month / 3))
      case 'M':
        return String(p.month)
      case 'Mo':
        return ordinal(p.month)
      case 'MM':
        return pad(p.month, 2)
      case 'MMM':
        return MONTHS[p.month - 1].slice(0, 3)
      case 'MMMM':
        return MONTHS[p.month - 1]
      case 'D':
        return String(p.day)
      case 'Do':
        return ordinal(p.day)
      case 'DD':
        return pad(p.day, 2)
      case 'DDD':
        return String(dayOfYear)
      case 'DDDo':
        return ordinal(dayOfYear)
      case 'DDDD':
        return pad(dayOfYear, 3)
      case 'd':
        return String(weekday)
      case 'do':
        return ordinal(weekday)
      case 'dd':
        return DAYS[weekday].slice(0, 2)
      case 'ddd':
        return DAYS[weekday].slice(0, 3)
      case 'dddd':
        return DAYS[weekday]
      case 'E':
        return String(weekday || 7)
      case 'H':
        return String(p.hour)
      case 'HH':
        return pad(p.hour, 2)
      case 'h':
        return String(h12)
      case 'hh':
        return pad(h12, 2)
      case 'k':
        return String(p.hour || 24)
      case 'kk':
        return pad(p.hour || 24, 2)
      case 'm':
        return String(p.minute)
      case 'mm':
        return pad(p.minute, 2)
      case 's':
        return String(p.second)
      case 'ss':
        return pad(p.second, 2)
      case 'S':
        return String(Math.floor(p.ms / 100))
      case 'SS':
        return pad(Math.floor(p.ms / 10), 2)
      case 'SSS':
        return pad(p.ms, 3)
      case 'A':
        return p.hour < 12 ? 'AM' : 'PM'
      case 'a':
        return p.hour < 12 ? 'am' : 'pm'
      case 'Z':
        return offsetText(p.offset, ':')
      case 'ZZ':
        return offsetText(p.offset, '')
      case 'X':
        return String(Math.floor(date.getTime() / 1000))
      case 'x':
        return String(date.getTime())
      case 'W':
        return String(isoWeek(p).week)
      case 'Wo':
        return ordinal(isoWeek(p).week)
      case 'WW':
        return pad(isoWeek(p).week, 2)
      case 'GGGG':
        return pad(isoWeek(p).year, 4)
      default:
        throw new RuleError(
          `unsupported date token "${tok}" in format '${fmt}'`,
          `use the tokens ${SUPPORTED}, and put literal text in [brackets]`
        )
    }
  })
}
