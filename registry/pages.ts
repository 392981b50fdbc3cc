import type { FhirResource } from './fhir-reader.js';
import { describe, type ListName } from './patient-lists.js';
import type { EventRow, NotificationRow, ReferralRow, SubscriptionRow } from './registry-db.js';

/** Every dynamic value goes through here: chart data and answers are untrusted text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;line-height:1.45;max-width:64rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}p{overflow-wrap:anywhere}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}h3{font-size:1.05rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;min-width:100%}caption{text-align:left;font-weight:600;padding:.25rem 0}
td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
.ended{border-left:.3rem solid #a40000;padding:.25rem .75rem;background:#fff4f4}.active{border-left:.3rem solid #1a6b1a;padding:.25rem .75rem;background:#f3fbf3}
.notice{border:1px solid #1a6b1a;padding:.5rem}button{font:inherit;padding:.4rem .9rem;min-height:2.5rem}textarea,select{font:inherit;max-width:100%}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #1f5fbf;outline-offset:2px}
</style>
</head><body><main>${body}</main></body></html>`;
}

const LIST_TITLES: Record<ListName, string> = { problems: 'Problem list', medications: 'Medications', allergies: 'Allergies' };

function lists(items: { list: ListName; resource: FhirResource }[], level = 3): string {
  return (Object.keys(LIST_TITLES) as ListName[]).map((list) => {
    const rows = items.filter((i) => i.list === list);
    return `<h${level}>${LIST_TITLES[list]}</h${level}>${rows.length === 0 ? '<p>None recorded.</p>'
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
  /** The grant behind the referral: followed while `active`; `ended` with why and when the registry noticed. */
  sharing: { status: 'active' | 'ended'; reason: string | null; since: number | null };
  items: { list: ListName; resource: FhirResource }[];
  subscriptions: (SubscriptionRow & { events: EventRow[]; lastEventNumber: number; renewalDue: number | null })[];
  timeline: (NotificationRow & { topic: string })[];
}

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');
const topicName = (topic: string) => escapeHtml(topic.split('/').pop() ?? topic);
const anchor = (referral: ReferralRow) => `patient-${escapeHtml(referral.patient_id)}`;

function table(caption: string, className: string, head: string[], rows: string[]): string {
  return `<div class="scroll"><table class="${className}"><caption>${escapeHtml(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.length > 0 ? rows.join('') : `<tr><td colspan="${head.length}">None yet.</td></tr>`}</tbody></table></div>`;
}

function staffForm(action: string, csrf: string, button: string, hidden: Record<string, string> = {}): string {
  return `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">${Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('')}<button type="submit">${escapeHtml(button)}</button></form>`;
}

function sharing(patient: StaffPatient, csrf: string): string {
  const { sharing: s, referral } = patient;
  if (s.status === 'ended') {
    return `<p class="ended sharing" data-status="ended"><strong>Sharing ended</strong> ${time(s.since)}: ${escapeHtml(s.reason ?? '')}. The registry no longer receives or fetches this patient's changes.</p>`;
  }
  return `<div class="active sharing" data-status="active"><p><strong>Sharing active</strong>: the registry receives this patient's changes while the authorization lasts.</p>
${staffForm('/staff/stop', csrf, `Stop following ${referral.patient_name}`, { referral: referral.id })}</div>`;
}

function subscriptionRows(patient: StaffPatient): string[] {
  return patient.subscriptions.map((s) => `<tr class="subscription" data-topic="${escapeHtml(s.topic)}"><th scope="row">${topicName(s.topic)}</th>
<td class="status">${escapeHtml(s.status)}</td><td>${escapeHtml(s.content)}</td><td class="end" data-end="${escapeHtml(s.end_at ?? '')}">${s.end_at ? time(Date.parse(s.end_at)) : '—'}</td><td class="renewal-due">${time(s.renewalDue)}</td>
<td class="renewals">${s.renewals}${s.renewed_at ? ` (last ${time(s.renewed_at)})` : ''}</td>
<td class="last-event">${s.lastEventNumber}${s.events_since_start !== null && s.events_since_start > s.lastEventNumber ? ` of ${s.events_since_start}` : ''}</td>
<td class="event-numbers">${s.events.map((e) => e.event_number).join(', ')}</td><td>${time(s.last_notification_at)}</td><td>${time(s.checked_at)}</td>
<td class="last-error">${escapeHtml(s.last_error ?? '')}</td><td>${escapeHtml(s.server_id ?? '—')}</td></tr>`);
}

function timelineRows(patient: StaffPatient): string[] {
  return patient.timeline.map((n) => {
    const report = JSON.parse(n.report) as { duplicates?: number[]; gaps?: number[]; lost?: number[]; pending?: number[] };
    const notes = (['gaps', 'duplicates', 'lost', 'pending'] as const).filter((k) => (report[k]?.length ?? 0) > 0).map((k) => `${k}: ${report[k]!.join(', ')}`);
    const events = patient.subscriptions.flatMap((s) => s.events).filter((e) => e.notification_id === n.id);
    return `<tr><td>${time(n.received_at)}</td><td>${topicName(n.topic)}</td><td>${escapeHtml(n.type)}</td><td class="reported-status">${escapeHtml(n.status ?? '')}</td><td>${n.events_since_start}</td>
<td class="events">${escapeHtml(events.map((e) => `#${e.event_number} ${e.interaction ?? ''} ${e.focus?.split('/').slice(-2).join('/') ?? (e.withheld ? 'withheld' : '')}: ${e.outcome}${e.recovered ? ' (recovered by $events)' : ''}`).join('; '))}</td>
<td>${escapeHtml(notes.join('; ') || 'in order')}</td></tr>`;
  });
}

/** The registry staff's page: who is referred, what the registry holds for each, and whether it is still following. */
export function staffPage(patients: StaffPatient[], options: { csrf: string; notice?: string | undefined }): string {
  const summary = patients.map((p) => `<tr><th scope="row"><a href="#${anchor(p.referral)}">${escapeHtml(p.referral.patient_name)}</a></th>
<td>${time(p.referral.created_at)}</td><td>${escapeHtml(p.referral.urgency)}</td><td>${p.sharing.status === 'active' ? 'active' : 'ended'}</td>
<td>${escapeHtml(p.subscriptions.map((s) => `${topicName(s.topic)}: ${s.status}`).join(', ') || '—')}</td></tr>`);
  return page('Registry: referred patients', `<h1>Referred patients</h1>
${options.notice ? `<p class="notice" role="status">${escapeHtml(options.notice)}</p>` : ''}
${staffForm('/staff/check', options.csrf, 'Check subscriptions now')}
${table('Referrals', 'referrals', ['Patient', 'Referred', 'Urgency', 'Sharing', 'Subscriptions'], summary)}
${patients.map((p) => `<section id="${anchor(p.referral)}" aria-labelledby="${anchor(p.referral)}-name">
<h2 id="${anchor(p.referral)}-name">${escapeHtml(p.referral.patient_name)}</h2>
<p>Referred ${time(p.referral.created_at)} by ${escapeHtml(p.referral.referred_by?.replace(/^.*\/(?=[A-Z][A-Za-z]+\/[^/]+$)/, '') ?? 'unknown')} — ${escapeHtml(p.referral.urgency)}: ${escapeHtml(p.referral.reason)}</p>
${sharing(p, options.csrf)}
<h3>Lists as received</h3>${lists(p.items, 4)}
<h3>Subscriptions</h3>
${table('Health of each subscription', 'subscriptions', ['Topic', 'Status', 'Content', 'Ends', 'Renewal due', 'Renewals', 'Last event', 'Events received', 'Last notification', 'Last checked', 'Last error', 'Server id'], subscriptionRows(p))}
<h3>Notifications</h3>
${table('Timeline of notifications, newest first', 'timeline', ['Received', 'Topic', 'Type', 'Status', 'Events since start', 'Events', 'Numbering'], timelineRows(p))}
</section>`).join('\n')}`);
}
