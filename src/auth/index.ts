export { authPlugin } from './auth-plugin.js';
export { authUrls, type AuthContext } from './auth-context.js';
export { registerClient, registrationResponse, type ClientMetadata } from './clients/register-client.js';
export { hashPassword } from './secrets.js';
export { createUser, addSampleUsers, SAMPLE_USERS, InvalidUser, type NewUser } from './users/create-user.js';
export type { HandoverPort, InvitationRefusal, InvitationReview, InvitationSummary } from './handover-port.js';
export type { ConsentPort, PortalPerson, PortalRecipient } from './consent-port.js';
export type { ReviewPort, ReviewQueueView } from './review-port.js';
