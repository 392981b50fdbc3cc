import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invitationEmail } from './invitation-email.js';
import { patientEmail } from './invitation-service.js';

describe('the invitation email', () => {
  const mail = invitationEmail({ to: 'p@example.org', link: 'https://h.example/portal/invitation/abc', recipientName: '<b>Registry</b> & co',
    clinicianName: 'Dr. "Quote"', expiresAt: Date.parse('2026-12-13T10:00:00Z') });

  it('names who shared with whom, the link and its last day, in text and HTML', () => {
    assert.equal(mail.subject, 'Dr. "Quote" shared your health records with <b>Registry</b> & co');
    assert.match(mail.text, /https:\/\/h\.example\/portal\/invitation\/abc/);
    assert.match(mail.text, /until 2026-12-13/);
    assert.match(mail.html, /href="https:\/\/h\.example\/portal\/invitation\/abc"/);
  });

  it('escapes names chosen by others in the HTML part', () => {
    assert.doesNotMatch(mail.html, /<b>Registry/);
    assert.match(mail.html, /&#60;b&#62;Registry&#60;\/b&#62; &#38; co/);
    assert.match(mail.html, /Dr\. &#34;Quote&#34;/);
  });
});

describe('the patient\'s email address', () => {
  const now = Date.parse('2026-11-29T00:00:00Z');
  const patient = (telecom: unknown[]) => ({ resourceType: 'Patient', telecom });

  it('a current email, home first; phones, old and ended ones do not count', () => {
    assert.equal(patientEmail(patient([{ system: 'phone', value: '123' }, { system: 'email', value: 'work@x.org', use: 'work' }, { system: 'email', value: 'home@x.org', use: 'home' }]), now), 'home@x.org');
    assert.equal(patientEmail(patient([{ system: 'email', value: 'old@x.org', use: 'old' }, { system: 'email', value: 'gone@x.org', period: { end: '2020-01-01' } }]), now), undefined);
    assert.equal(patientEmail(patient([{ system: 'email', value: 'not an address' }]), now), undefined);
    assert.equal(patientEmail(undefined, now), undefined);
  });
});
