export { ConsentService, type ConsentServiceDeps } from './consent-service.js';
export { DisclosureLog, type DisclosureLogDeps, type DisclosedRequest } from './disclosure-log.js';
export { recipientsOf, type Recipient, type SharedConsent, type SharedDisclosure } from './sharing-view.js';
export { recipientDeviceId, type Person } from './consent-resources.js';
export { CLIENT_ID_SYSTEM, type ApprovalChannel } from './consent-codes.js';
export { Invitations, type InvitationDeps, type InvitationLookup, type InvitationRefusal } from './invitation-service.js';
export { ReviewQueue, parseReviewKey, MAX_REASON, type ReviewQueueDeps, type QueuedEvent, type Decision } from './review-queue.js';
