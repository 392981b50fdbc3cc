export { systemClock, type Clock } from './clock.js';
export { newId, isFhirId } from './ids.js';
export { createLogger, type Logger } from './log.js';
export { createMetrics, type Metrics, type SubscriptionBacklog } from './metrics.js';
export { OutboundClient, checkDestination, addressKind, OutboundRefused, type OutboundPolicy, type OutboundResponse } from './outbound-fetch.js';
export { smtpMailer, type Mailer, type MailMessage } from './mailer.js';
export { randomToken, digest } from './tokens.js';
export { SOFTWARE_VERSION, packageVersion } from './software-version.js';
