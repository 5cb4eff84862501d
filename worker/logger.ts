import pino, { type Logger } from 'pino';

/** Readable lines on a terminal, JSON lines otherwise (for log shippers). Personal data is never logged. */
export function createLogger(level: string, name: string): Logger {
  const pretty = process.stdout.isTTY && !process.env.LOG_JSON;
  return pino({
    name,
    level,
    redact: { paths: ['idNumber', '*.idNumber', 'phone', '*.phone', '*.name'], censor: '[redacted]' },
    ...(pretty && { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }),
  });
}
