import pino, { type Logger } from 'pino';

/** Readable lines on a terminal, JSON lines otherwise (for log shippers). Personal data is never logged. */
export function createLogger(config: { logLevel: string; logJson: boolean }, name: string): Logger {
  const level = config.logLevel;
  const pretty = process.stdout.isTTY && !config.logJson;
  return pino({
    name,
    level,
    redact: { paths: ['idNumber', '*.idNumber', 'phone', '*.phone', '*.name'], censor: '[redacted]' },
    ...(pretty && { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }),
  });
}
