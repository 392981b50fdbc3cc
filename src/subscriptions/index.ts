export { SubscriptionEngine, createSubscriptionEngine, type EngineDeps, type ValidatedSubscription } from './subscription-engine.js';
export { DEFAULT_ENGINE_OPTIONS, deliveryConcurrencyFor, type EngineOptions } from './engine-options.js';
export { restHookSender, type RestHookSender, type RestHookRequest, type SendResult } from './rest-hook-sender.js';
export { backOff } from './back-off.js';
export type { DisclosedNotification, OnDisclosed } from './disclosed-notification.js';
export { detachedJwsSigner, SIGNATURE_HEADER, type NotificationSigner } from './sign-notification.js';
export { WebsocketChannel, type ClientSocket, type WebsocketChannelDeps } from './websocket/websocket-channel.js';
