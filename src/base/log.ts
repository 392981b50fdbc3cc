import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; `silent` in tests unless HANDOVER_LOG_LEVEL says otherwise. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'handover' } });
}
