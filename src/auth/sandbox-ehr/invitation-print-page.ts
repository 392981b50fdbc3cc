import QRCode from 'qrcode';
import type { InvitationSummary } from '../handover-port.js';
import { when } from '../pages/invitation-pages.js';
import { Html, html, page } from '../pages/html.js';

/**
 * The printable invitation (issue 5 b): the link as a QR code — inline SVG, so the page's CSP
 * (no external or inline script, images from self or data:) needs nothing more — and as text, for
 * the patient to scan or type. Each print is a new link to the same single-use invitation.
 */
export async function invitationPrintPage(view: { link: string; invitation: InvitationSummary; patientLabel: string; patientId: string }): Promise<string> {
  const svg = await QRCode.toString(view.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 240 });
  const { invitation: inv } = view;
  return page('Your invitation to take over a sharing', html`
<p>For <strong>${view.patientLabel}</strong>.</p>
<p><strong>${inv.invitedByName}</strong> shared your health records with <strong>${inv.recipientName}</strong>. Scan the code with your phone, or type the
link, and sign in to your patient portal: review what was shared, then approve or decline.</p>
<figure class="qr">
  <div role="img" aria-label="QR code of the invitation link">${new Html(svg)}</div>
  <figcaption><code class="link">${view.link}</code></figcaption>
</figure>
<p>The invitation can be answered once, until ${when(inv.expiresAt)}.</p>
<p class="muted"><a href="/ehr/patients/${encodeURIComponent(view.patientId)}">Back to the chart</a></p>`);
}
