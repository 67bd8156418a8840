import type { LogFormat, ModelLine } from './model.js';

/** Renders a message as the modelled process would print it. */
export function formatLine(
  format: LogFormat,
  line: Pick<ModelLine, 'level' | 'context'>,
  message: string,
  timestamp: number,
): string {
  switch (format.style) {
    case 'plain':
      return message;
    case 'json':
      return JSON.stringify({
        level: line.level,
        time: new Date(timestamp).toISOString(),
        ...(line.context ? { context: line.context } : {}),
        msg: message,
      });
    case 'nest':
      return nestLine(format, line, message, timestamp);
  }
}

const NEST_COLOURS: Record<ModelLine['level'], number> = {
  log: 32,
  error: 31,
  warn: 33,
  debug: 95,
  verbose: 96,
  fatal: 1,
};

type NestFormat = Extract<LogFormat, { style: 'nest' }>;

/** NestJS `ConsoleLogger`: `[Nest] 1  - 11/27/2026, 6:20:01 AM     LOG [Context] message`. */
function nestLine(
  format: NestFormat,
  line: Pick<ModelLine, 'level' | 'context'>,
  message: string,
  ts: number,
) {
  const colour = (text: string, code: number) => (format.ansi ? `\x1b[${code}m${text}\x1b[39m` : text);
  const levelColour = NEST_COLOURS[line.level];
  const pid = colour(`[${format.appName}] ${format.pid}  - `, levelColour);
  const level = colour(line.level.toUpperCase().padStart(7, ' '), levelColour);
  const context = line.context ? `${colour(`[${line.context}]`, 33)} ` : '';
  return `${pid}${nestDate(ts, format.timeZone)} ${level} ${context}${colour(message, levelColour)}`;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** `11/27/2026, 6:20:01 AM` (en-US, built by hand so the space before AM is a plain one). */
function nestDate(timestamp: number, timeZone: string): string {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      hour12: true,
    });
    dateFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(timestamp).map((p) => [p.type, p.value]));
  return `${parts.month}/${parts.day}/${parts.year}, ${parts.hour}:${parts.minute}:${parts.second} ${parts.dayPeriod}`;
}
