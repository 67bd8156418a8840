/**
 * Structured logs for the handlers: one JSON object a line (CloudWatch Logs
 * Insights reads the fields), each carrying the handler, the function, and the
 * run and session it concerns where known, so a log line leads back to the
 * records it speaks of.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What a line concerns: `runId`, `sessionId`, `scenario`, and any other field worth querying. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields too (e.g. the run and session of this invocation). */
  with(fields: LogFields): Logger;
}

type Sink = (line: string, level: LogLevel) => void;

const consoleSink: Sink = (line, level) => {
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
};

const RANK: Readonly<Record<LogLevel, number>> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** The lowest level written: environment LOG_LEVEL (local mode sets WARN, so its console stays readable). */
function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  return RANK[level] ?? RANK.INFO;
}

export function createLogger(handler: string, base: LogFields = {}, sink: Sink = consoleSink): Logger {
  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (RANK[level] < threshold()) return;
    const entry: Record<string, unknown> = {
      level,
      timestamp: new Date().toISOString(),
      handler,
      ...(process.env.AWS_LAMBDA_FUNCTION_NAME ? { function: process.env.AWS_LAMBDA_FUNCTION_NAME } : {}),
      message,
    };
    for (const [key, value] of Object.entries({ ...base, ...fields }))
      if (value !== undefined) entry[key] = value;
    sink(JSON.stringify(entry), level);
  };
  return {
    info: (message, fields) => write('INFO', message, fields),
    warn: (message, fields) => write('WARN', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
    with: (fields) => createLogger(handler, { ...base, ...fields }, sink),
  };
}
