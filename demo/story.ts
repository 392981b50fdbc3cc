import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EhrWriter } from './ehr-writer.js';

/** What the steps share: the running parts, the browser pages, and what earlier steps found. */
export interface StoryContext {
  serverUrl: string;
  fhirBase: string;
  registryUrl: string;
  staffPassword: string;
  browser: Browser;
  ehr: EhrWriter;
  clinician?: { context: BrowserContext; page: Page };
  staff?: { context: BrowserContext; page: Page };
  /** The patient's own browser (step 5 on): signed in to the portal as Eleanor. */
  patient?: { context: BrowserContext; page: Page };
  changedMedication?: string;
  /** What the registry received in steps 4 and 6: the focus of each change (`Condition/…`). */
  sent: string[];
  /** Each subscription's last event number, as the registry counted it before step 5 (topic → number). */
  eventNumbers?: Map<string, number>;
}

/**
 * One step of the seed story (issue 6 c). `run` performs it and resolves with what was observed,
 * or throws when the expected outcome did not show. A step whose feature is not built yet has
 * `notYet` instead: the demo says so and never counts it as passed.
 */
export interface Step {
  title: string;
  run?: (ctx: StoryContext) => Promise<string>;
  notYet?: string;
}

export const PATIENT = { id: 'example-patient', name: 'Eleanor Whitfield' };
export const CLINICIAN = { username: 'dr.okafor', password: 'sandbox-clinician', name: 'Dr. Samuel Okafor' };
export const PATIENT_USER = { username: 'eleanor', password: 'sandbox-patient' };
const APP = 'Handover reference registry';
const PROBLEM_LIST_ITEM = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] };
/** Generous: the demo proves outcomes, not speed. */
const WAIT_MS = 60_000;
/** How long, after the registry noticed a stop, the demo keeps watching that nothing more arrives (the registry checks every 2 s). */
const QUIET_MS = 10_000;

export const STORY: Step[] = [
  {
    title: `A clinician (${CLINICIAN.name}) opens ${PATIENT.name}'s chart in the sandbox EHR`,
    run: async (ctx) => {
      const context = await ctx.browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      ctx.clinician = { context, page };
      await page.goto(`${ctx.serverUrl}/ehr/patients/${PATIENT.id}`);
      await page.getByLabel('User name').fill(CLINICIAN.username);
      await page.getByLabel('Password').fill(CLINICIAN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: `Launch ${APP}` }).waitFor();
      return `signed in; the chart offers the registry as a SMART app ("Launch ${APP}")`;
    },
  },
  {
    title: 'The clinician launches the registry from the chart (EHR launch) and submits the referral',
    run: async (ctx) => {
      const { page } = ctx.clinician!;
      await page.getByRole('button', { name: `Launch ${APP}` }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: /to the registry$/ }).waitFor();
      const problems = await page.locator('ul.problems li').count();
      const medications = await page.locator('ul.medications li').count();
      await page.getByLabel('Reason for referral').fill('Chronic kidney disease: enrol in the renal registry');
      await page.getByRole('button', { name: 'Submit referral' }).click();
      await page.getByRole('heading', { name: 'Referral received' }).waitFor();
      return `consent given (PKCE, offline access); the form read ${problems} problems and ${medications} medications from the chart; referral stored`;
    },
  },
  {
    title: 'The registry subscribes to the problem list and the medication list (rest-hook, id-only)',
    run: async (ctx) => {
      const context = await ctx.browser.newContext({ httpCredentials: { username: 'staff', password: ctx.staffPassword } });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      ctx.staff = { context, page };
      const patient = await staffUntil(ctx, 'both subscriptions active (handshake received)', (p) => p.subscriptions.length === 2 && p.subscriptions.every((s) => s.status === 'active'));
      await page.goto(`${ctx.registryUrl}/staff`);
      await page.getByRole('table', { name: 'Health of each subscription' }).waitFor();
      const end = patient.subscriptions[0]?.end_at?.slice(0, 10) ?? '?';
      return `2 subscriptions active; end ${end} (the server capped it by the grant); the staff page shows them`;
    },
  },
  {
    title: 'The clinician adds a problem and changes a medication; the registry\'s page shows both',
    run: async (ctx) => {
      const added = await ctx.ehr.request('POST', 'Condition', condition('Chronic kidney disease, stage 3a'));
      if (added.status !== 201) throw new Error(`adding the problem answered HTTP ${added.status}`);
      const active = await ctx.ehr.request('GET', `MedicationRequest?patient=${PATIENT.id}&status=active&_count=1`);
      const medication = (active.body.entry as { resource: Record<string, unknown> }[] | undefined)?.[0]?.resource;
      if (!medication) throw new Error(`${PATIENT.name} has no active MedicationRequest to change`);
      const changed = await ctx.ehr.request('PUT', `MedicationRequest/${String(medication.id)}`, { ...medication, status: 'on-hold' });
      if (changed.status !== 200) throw new Error(`changing the medication answered HTTP ${changed.status}`);
      ctx.changedMedication = String(medication.id);
      await staffUntil(ctx, 'the new problem and the changed medication in the registry\'s copy', (p) =>
        p.items.some((i) => i.resource.id === added.body.id) && p.items.some((i) => i.resource.id === medication.id && i.resource.status === 'on-hold'));
      await shownOnStaffPage(ctx, ['Chronic kidney disease, stage 3a (active)', '(on-hold)']);
      const patient = await staffUntil(ctx, 'both changes numbered by their subscriptions', (p) => hasEventFor(p, `Condition/${String(added.body.id)}`) && hasEventFor(p, `MedicationRequest/${String(medication.id)}`));
      ctx.sent.push(`Condition/${String(added.body.id)}`, `MedicationRequest/${String(medication.id)}`);
      ctx.eventNumbers = new Map(patient.subscriptions.map((s) => [topicName(s.topic), s.lastEventNumber]));
      return 'both reached the registry as numbered events (fetched with its own token) and show on its staff page';
    },
  },
  {
    title: 'The patient redeems the invitation in the portal and approves the sharing',
    run: async (ctx) => {
      // The clinician prints the open invitation from the chart: its page carries the link (and its QR code).
      const { page: chart } = ctx.clinician!;
      await chart.goto(`${ctx.serverUrl}/ehr/patients/${PATIENT.id}`);
      await chart.getByRole('heading', { name: 'Invitations to the patient' }).waitFor();
      await chart.getByRole('button', { name: `Print the invitation to ${APP} (link and QR code)` }).click();
      await chart.getByRole('img', { name: 'QR code of the invitation link' }).waitFor();
      const link = (await chart.locator('figcaption code.link').innerText()).trim();
      if (!/^https?:\/\/[^/]+\/portal\/invitation\/[A-Za-z0-9_-]+$/.test(link)) throw new Error(`the printed invitation does not show a portal link: "${link}"`);

      // The patient's own browser: the link, her sign-in, the review, her answer.
      const context = await ctx.browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      ctx.patient = { context, page };
      await page.goto(link);
      await page.getByLabel('User name').fill(PATIENT_USER.username);
      await page.getByLabel('Password').fill(PATIENT_USER.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: `${APP} receives your records` }).waitFor();
      const review = await page.getByRole('main').innerText();
      if (!review.includes(CLINICIAN.name)) throw new Error(`the review does not say who started the sharing (${CLINICIAN.name}): ${review.slice(0, 300)}`);
      const received = await page.getByRole('list', { name: `Disclosures to ${APP}` }).getByRole('listitem').count();
      const approvedAt = Date.now();
      await page.getByRole('button', { name: /^Approve/ }).click();
      await page.getByRole('heading', { name: 'Sharing approved' }).waitFor();

      // Proven through the registry only: its grant still works once checked after the approval.
      const staff = ctx.staff!.page;
      await staff.goto(`${ctx.registryUrl}/staff`);
      await staff.getByRole('button', { name: 'Check subscriptions now' }).click();
      await staff.waitForURL(/\/staff\?done=checked$/);
      const patient = await staffUntil(ctx, 'sharing active and both subscriptions active, checked after the approval', (p) => p.sharing.status === 'active'
        && p.subscriptions.length === 2 && p.subscriptions.every((s) => s.status === 'active' && (s.checked_at ?? 0) >= approvedAt));
      return `the printed invitation's link, opened in the patient's own browser, showed ${APP} (shared by ${CLINICIAN.name}, ${received} disclosures so far); `
        + `approved as ${PATIENT.name}; the registry, checked since: sharing ${patient.sharing.status}, ${patient.subscriptions.length} subscriptions active`;
    },
  },
  {
    title: 'Another change flows to the registry',
    run: async (ctx) => {
      const added = await ctx.ehr.request('POST', 'Condition', condition('Gout'));
      if (added.status !== 201) throw new Error(`adding the problem answered HTTP ${added.status}`);
      const focus = `Condition/${String(added.body.id)}`;
      const patient = await staffUntil(ctx, 'the second new problem in the registry\'s copy, numbered', (p) => p.items.some((i) => i.resource.id === added.body.id) && hasEventFor(p, focus));
      await shownOnStaffPage(ctx, ['Gout (active)']);
      ctx.sent.push(focus);
      // The handover changed whose consent backs the grant, not the subscriptions: the numbering continues.
      const numbering = patient.subscriptions.map((s) => ({ topic: topicName(s.topic), before: ctx.eventNumbers?.get(topicName(s.topic)) ?? 0, now: s.lastEventNumber }));
      const reset = numbering.filter((n) => n.now < n.before);
      if (reset.length > 0) throw new Error(`event numbering went back: ${reset.map((n) => `${n.topic} ${n.before} → ${n.now}`).join(', ')}`);
      const problems = numbering.find((n) => n.topic.startsWith('problem-list'));
      if (!problems || problems.now <= problems.before) throw new Error(`the problem-list subscription's last event number did not move on: ${JSON.stringify(numbering)}`);
      return `shown on the registry's page, now under ${PATIENT.name}'s own consent; event numbers continued without reset (${numbering.map((n) => `${n.topic} ${n.before} → ${n.now}`).join(', ')})`;
    },
  },
  {
    title: 'The patient revokes in the portal; the next change does not reach the registry; the disclosure log lists what was sent',
    run: async (ctx) => {
      const { page } = ctx.patient!;
      await page.goto(`${ctx.serverUrl}/portal`);
      const card = page.getByRole('region', { name: 'Sharing now' }).getByRole('article', { name: APP });
      const stop = card.getByRole('button', { name: `Stop sharing with ${APP}` });
      // The keyboard, as someone without a mouse would: focus the labelled button, Enter.
      await stop.focus();
      await Promise.all([page.waitForURL(/\/portal\?stopped=1$/), page.keyboard.press('Enter')]);
      await page.getByRole('status').filter({ hasText: 'Sharing stopped' }).waitFor();

      // The next change, written at once: it must not reach the registry.
      const added = await ctx.ehr.request('POST', 'Condition', condition('Hypertension'));
      if (added.status !== 201) throw new Error(`adding the problem answered HTTP ${added.status}`);
      const after = `Condition/${String(added.body.id)}`;
      const arrived = (p: StaffPatient) => p.items.some((i) => i.resource.id === added.body.id) || hasEventFor(p, after);
      const ended = await staffUntil(ctx, 'the registry to notice the sharing ended', (p) => p.sharing.status === 'ended' || arrived(p));
      if (arrived(ended)) throw new Error(`${after}, written after the stop, reached the registry`);
      await shownOnStaffPage(ctx, ['Sharing ended']);
      // Then keep watching a while longer (several of the registry's checks): it never arrives.
      const quietUntil = Date.now() + QUIET_MS;
      while (Date.now() < quietUntil) {
        if (arrived(await staffNow(ctx))) throw new Error(`${after}, written after the stop, reached the registry`);
        await new Promise((r) => setTimeout(r, 500));
      }

      // The portal's disclosure log for the registry: what was sent, matched with what the registry received.
      const received = [...new Set(ended.subscriptions.flatMap((s) => s.events.flatMap((e) => (e.focus ? [reference(e.focus)] : []))))];
      const missing = ctx.sent.filter((ref) => !received.includes(ref));
      if (missing.length > 0) throw new Error(`the registry's events do not list ${missing.join(', ')}`);
      const lines = await disclosuresUntil(ctx, (l) => received.every((ref) => l.some((line) => line.includes('notification') && line.includes(ref))));
      if (lines.some((l) => l.includes(after))) throw new Error(`the disclosure log lists ${after}, written after the stop: ${lines.join(' | ')}`);
      const count = (pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;
      const [reads, searches, notifications] = [count(/: Read \d/), count(/: Searched and received/), count(/: Was sent a notification/)];
      if (reads === 0 || searches === 0) throw new Error(`the disclosure log lacks the registry's reads or searches: ${lines.join(' | ')}`);
      return `stopped with the keyboard; the registry noticed (sharing ended: ${ended.sharing.reason ?? '?'}) and the change written after the stop never reached it `
        + `(watched ${QUIET_MS / 1000} s more); the portal's disclosure log lists ${lines.length} disclosures to ${APP} — ${reads} reads, ${searches} searches, `
        + `${notifications} notifications, covering each of the ${received.length} changes the registry received (${received.join(', ')}), nothing after the stop`;
    },
  },
];

function condition(text: string): Record<string, unknown> {
  return {
    resourceType: 'Condition', subject: { reference: `Patient/${PATIENT.id}` }, code: { text }, category: [PROBLEM_LIST_ITEM],
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    recordedDate: new Date().toISOString().slice(0, 10),
  };
}

interface StaffPatient {
  referral: { patient_id: string };
  sharing: { status: 'active' | 'ended'; reason: string | null };
  items: { list: string; resource: { id?: string; status?: string } }[];
  subscriptions: { topic: string; status: string; end_at: string | null; checked_at: number | null; lastEventNumber: number; events: { event_number: number; focus: string | null }[] }[];
}

const topicName = (topic: string) => topic.split('/').pop() ?? topic;
/** `Type/id` of a reference, relative or absolute. */
const reference = (ref: string) => ref.split('/').slice(-2).join('/');
const hasEventFor = (p: StaffPatient, ref: string) => p.subscriptions.some((s) => s.events.some((e) => e.focus !== null && reference(e.focus) === ref));

/** Polls the registry's staff view (JSON) until `check` holds for the demo's patient. */
async function staffUntil(ctx: StoryContext, what: string, check: (p: StaffPatient) => boolean): Promise<StaffPatient> {
  const deadline = Date.now() + WAIT_MS;
  let last: StaffPatient | undefined;
  for (;;) {
    last = await staffNow(ctx).catch(() => undefined);
    if (last && check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the registry holds: ${JSON.stringify(last ?? null).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The staff page, reloaded, shows each text in the patient's section (what a person would see). */
async function shownOnStaffPage(ctx: StoryContext, texts: string[]): Promise<void> {
  const { page } = ctx.staff!;
  await page.goto(`${ctx.registryUrl}/staff`);
  const section = page.locator(`section#patient-${PATIENT.id}`);
  await section.scrollIntoViewIfNeeded();
  const shown = await section.innerText();
  const missing = texts.filter((t) => !shown.includes(t));
  if (missing.length > 0) throw new Error(`the staff page does not show ${missing.join(', ')}`);
}

/** The registry's staff view (JSON) of the demo's patient, now. */
async function staffNow(ctx: StoryContext): Promise<StaffPatient> {
  const authorization = `Basic ${Buffer.from(`staff:${ctx.staffPassword}`).toString('base64')}`;
  const response = await fetch(`${ctx.registryUrl}/staff/patients.json`, { headers: { authorization } });
  if (!response.ok) throw new Error(`the registry's staff view answered HTTP ${response.status}`);
  const patient = ((await response.json()) as StaffPatient[]).find((p) => p.referral.patient_id === PATIENT.id);
  if (!patient) throw new Error(`the registry holds no referral of ${PATIENT.id}`);
  return patient;
}

/** The lines of the portal's disclosure log for the registry (now an ended recipient), reloaded until `check` holds. */
async function disclosuresUntil(ctx: StoryContext, check: (lines: string[]) => boolean): Promise<string[]> {
  const { page } = ctx.patient!;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await page.goto(`${ctx.serverUrl}/portal`);
    const card = page.getByRole('region', { name: 'Ended and other recipients' }).getByRole('article', { name: APP });
    const lines = await card.getByRole('list', { name: `Disclosures to ${APP}` }).getByRole('listitem').allInnerTexts();
    if (check(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`the portal's disclosure log for ${APP} does not list a notification for each change the registry received: ${lines.join(' | ').slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
