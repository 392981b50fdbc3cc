import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One email as it arrived: envelope and the decoded text of the message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The raw message with quoted-printable soft line breaks and escapes undone (enough to find a link). */
  text: string;
}

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps every message, for tests
 * that catch the emails the server sends — nothing mocked: nodemailer talks SMTP to it.
 */
export class SmtpReceiver {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;

  /** Starts listening; returns the `smtp://` URL to give the server (`--smtp-url`). */
  async start(): Promise<string> {
    this.server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = session.envelope;
          this.received.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '', to: envelope.rcptTo.map((r) => r.address), raw,
            text: raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the first message to `to` not yet taken, waiting up to `ms`. */
  async next(to: string, ms = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.received.findIndex((m) => m.to.includes(to));
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no email to ${to} within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The invitation link in an email. */
export function invitationLinkIn(mail: ReceivedMail): string {
  const link = /https?:\/\/[^\s"<>]+\/portal\/invitation\/[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no invitation link in:\n${mail.text}`);
  return link;
}
