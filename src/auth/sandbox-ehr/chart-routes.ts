import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFhirId } from '../../base/index.js';
import type { AuthContext } from '../auth-context.js';
import { signedInClinician } from '../pages/clinician-gate.js';
import { mintLaunch, LaunchRefused } from '../launch/mint-launch.js';
import { FormParams } from '../oauth/form-params.js';
import { errorPage } from '../pages/auth-pages.js';
import { csrfToken, csrfValid, pageHeaders } from '../pages/browser-security.js';
import { encountersOf, findPatients, patientLabelOf } from '../pages/chart-lookup.js';
import { readChart } from './chart-data.js';
import { chartPage, patientListPage } from './chart-pages.js';
import { invitationPrintPage } from './invitation-print-page.js';

/**
 * The sandbox EHR (sandbox mode only): a clinician finds a patient, sees the chart, and launches
 * a registered SMART app for that patient and encounter — the EHR launch, minted by the same
 * function as the operator launch API.
 */
export function chartRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const production = ctx.mode === 'production';
  const show = (reply: FastifyReply, status: number, body: string) => pageHeaders(reply, production).code(status).send(body);

  const clinician = (request: FastifyRequest, reply: FastifyReply) => signedInClinician(ctx, request, reply, 'The chart is for clinicians. Patients use the portal.');

  app.get('/ehr', async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    const q = FormParams.fromQuery(request.url).optional('q') ?? '';
    return show(reply, 200, patientListPage({ user, query: q, patients: await findPatients(ctx.store, q), csrf: csrfToken(request, reply, production) }));
  });

  app.get('/ehr/patients/:id', async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    const { id } = request.params as { id: string };
    const label = isFhirId(id) ? await patientLabelOf(ctx.store, id) : undefined;
    if (!label) return show(reply, 404, errorPage('No such patient', 'There is no patient with that id.'));
    const apps = (await ctx.records.listClients()).filter((c) => c.launchUrl && c.grantTypes.includes('authorization_code'));
    return show(reply, 200, chartPage({
      user, patientId: id, patientLabel: label, chart: await readChart(ctx.store, id), encounters: await encountersOf(ctx.store, id),
      apps: apps.map((a) => ({ clientId: a.clientId, name: a.clientName })), invitations: await ctx.handover.invitationsOf(id),
      csrf: csrfToken(request, reply, production),
    }));
  });

  app.post('/ehr/patients/:id/launch', async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return show(reply, 403, errorPage('Please try again', 'The form expired or was sent from another site.'));
    const { id } = request.params as { id: string };
    try {
      const minted = await mintLaunch(ctx, { clientId: form.required('client_id'), userId: user.userId, patientId: id, encounterId: form.optional('encounter') ?? null });
      ctx.log.info({ clientId: form.required('client_id'), patientId: id, userId: user.userId }, 'EHR launch minted from the sandbox chart');
      return reply.redirect(minted.launchUrl, 303);
    } catch (error) {
      if (error instanceof LaunchRefused) return show(reply, 400, errorPage('Cannot launch', error.message));
      throw error;
    }
  });

  // Issue 5 b: a printable invitation — a fresh link to the same single-use invitation, as a QR code.
  app.post('/ehr/invitations/:id/print', async (request, reply) => {
    const user = await clinician(request, reply);
    if (!user) return reply;
    const form = FormParams.fromBody(request.body);
    if (!csrfValid(request, form.optional('csrf'))) return show(reply, 403, errorPage('Please try again', 'The form expired or was sent from another site.'));
    const { id } = request.params as { id: string };
    const printable = isFhirId(id) ? await ctx.handover.printLink(id) : undefined;
    if (!printable) return show(reply, 410, errorPage('Nothing to print', 'This invitation was answered, has expired, or its sharing ended.'));
    ctx.log.info({ invitationId: id, userId: user.userId }, 'invitation printed from the sandbox chart');
    return show(reply, 200, await invitationPrintPage({ ...printable, patientLabel: (await patientLabelOf(ctx.store, printable.patientId)) ?? 'the patient' }));
  });
}
