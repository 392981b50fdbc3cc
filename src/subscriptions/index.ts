export { SubscriptionEngine, createSubscriptionEngine, type EngineDeps, type ValidatedSubscription } from './subscription-engine.js';
export { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options.js';
export { restHookSender, type RestHookSender, type RestHookRequest, type SendResult } from './rest-hook-sender.js';
export { backOff } from './back-off.js';
export { WebsocketChannel, type ClientSocket, type WebsocketChannelDeps } from './websocket/websocket-channel.js';
