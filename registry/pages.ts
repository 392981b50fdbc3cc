import type { FhirResource } from './fhir-reader.js';
import { describe, type ListName } from './patient-lists.js';
import type { EventRow, NotificationRow, ReferralRow, SubscriptionRow } from './registry-db.js';

/** Every dynamic value goes through here: chart data and answers are untrusted text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>
</head><body>${body}</body></html>`;
}

const LIST_TITLES: Record<ListName, string> = { problems: 'Problem list', medications: 'Medications', allergies: 'Allergies' };

function lists(items: { list: ListName; resource: FhirResource }[]): string {
  return (Object.keys(LIST_TITLES) as ListName[]).map((list) => {
    const rows = items.filter((i) => i.list === list);
    return `<h3>${LIST_TITLES[list]}</h3>${rows.length === 0 ? '<p>None recorded.</p>'
      : `<ul class="${list}">${rows.map((r) => `<li data-ref="${escapeHtml(`${r.resource.resourceType}/${r.resource.id}`)}">${escapeHtml(describe(r.resource))}</li>`).join('')}</ul>`}`;
  }).join('');
}

export function referralFormPage(input: { patientName: string; items: { list: ListName; resource: FhirResource }[]; csrf: string }): string {
  return page('Refer to the registry', `<h1>Refer ${escapeHtml(input.patientName)} to the registry</h1>
<h2>From the chart</h2>${lists(input.items)}
<h2>The registry's questions</h2>
<form method="post" action="/referral">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<p><label for="reason">Reason for referral</label><br><textarea id="reason" name="reason" required rows="3" cols="60"></textarea></p>
<p><label for="urgency">Urgency</label> <select id="urgency" name="urgency"><option value="routine">Routine</option><option value="urgent">Urgent</option></select></p>
<p><input type="checkbox" id="full" name="content" value="full-resource"> <label for="full">Receive updates with the full resources (otherwise ids only, fetched by the registry)</label></p>
<p><button type="submit">Submit referral</button></p>
</form>`);
}

export function referralDonePage(patientName: string, subscribed: number): string {
  return page('Referral received', `<h1>Referral received</h1><p>${escapeHtml(patientName)} is referred. The registry follows the problem list and the medications
(${subscribed} of 2 subscriptions made) for as long as the authorization lasts.</p>`);
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export interface StaffPatient {
  referral: ReferralRow;
  items: { list: ListName; resource: FhirResource }[];
  subscriptions: (SubscriptionRow & { events: EventRow[] })[];
  timeline: (NotificationRow & { topic: string })[];
}

export function staffPage(patients: StaffPatient[]): string {
  const time = (ms: number | null) => (ms ? new Date(ms).toISOString() : '—');
  return page('Registry: referred patients', `<h1>Referred patients</h1>${patients.length === 0 ? '<p>No referrals yet.</p>' : ''}
${patients.map(({ referral, items, subscriptions, timeline }) => `<section id="patient-${escapeHtml(referral.patient_id)}">
<h2>${escapeHtml(referral.patient_name)}</h2>
<p>Referred ${time(referral.created_at)} by ${escapeHtml(referral.referred_by ?? 'unknown')} — ${escapeHtml(referral.urgency)}: ${escapeHtml(referral.reason)}</p>
${lists(items)}
<h3>Subscriptions</h3><table><tr><th>topic</th><th>server id</th><th>status</th><th>content</th><th>end</th><th>events</th><th>last notification</th><th>last error</th></tr>
${subscriptions.map((s) => `<tr class="subscription"><td>${escapeHtml(s.topic.split('/').pop() ?? s.topic)}</td><td>${escapeHtml(s.server_id ?? '—')}</td><td>${escapeHtml(s.status)}</td>
<td>${escapeHtml(s.content)}</td><td>${escapeHtml(s.end_at ?? '—')}</td><td class="event-numbers">${s.events.map((e) => e.event_number).join(',')}</td>
<td>${time(s.last_notification_at)}</td><td>${escapeHtml(s.last_error ?? '')}</td></tr>`).join('')}</table>
<h3>Notifications</h3><table><tr><th>received</th><th>topic</th><th>type</th><th>events since start</th><th>report</th></tr>
${timeline.map((n) => `<tr><td>${time(n.received_at)}</td><td>${escapeHtml(n.topic.split('/').pop() ?? n.topic)}</td><td>${escapeHtml(n.type)}</td><td>${n.events_since_start}</td><td>${escapeHtml(n.report)}</td></tr>`).join('')}</table>
</section>`).join('')}`);
}
