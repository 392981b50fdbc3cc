/**
 * A minimal cookie-keeping HTTP "browser" for the sign-in and consent pages in fast tests: it
 * follows our redirects, reads hidden inputs and posts forms exactly as the HTML says. The pages
 * are also driven in real Chromium (test/browser/); this keeps the many OAuth negative cases fast.
 */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();
  lastUrl = '';
  lastStatus = 0;
  lastHtml = '';
  lastHeaders = new Headers();

  /** Follows redirects until one leaves `ourOrigin` (returned, not fetched) or a page arrives. */
  async open(url: string, ourOrigin: string, init: { method?: string; form?: URLSearchParams } = {}): Promise<{ left?: string; html?: string; status: number }> {
    let next: string | undefined = url;
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.form;
    for (let hops = 0; next && hops < 10; hops++) {
      if (!next.startsWith(ourOrigin)) return { left: next, status: this.lastStatus };
      const response: Response = await fetch(next, {
        method, redirect: 'manual', body,
        headers: { cookie: this.cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      this.remember(response);
      this.lastStatus = response.status;
      this.lastHeaders = response.headers;
      this.lastUrl = next;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        next = new URL(location, next).toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      this.lastHtml = await response.text();
      return { html: this.lastHtml, status: response.status };
    }
    throw new Error('too many redirects');
  }

  /** Values of the named hidden/text inputs of the first form with this action. */
  formFields(action: string, html = this.lastHtml): URLSearchParams {
    const form = new RegExp(`<form[^>]*action="${action.replace(/[/?]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
    if (!form) throw new Error(`no form posting to ${action} in:\n${html.slice(0, 2000)}`);
    const fields = new URLSearchParams();
    for (const input of form[1]!.matchAll(/<input ([^>]*)>/g)) {
      const attrs = input[1]!;
      const name = /name="([^"]*)"/.exec(attrs)?.[1];
      const value = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
      const type = /type="([^"]*)"/.exec(attrs)?.[1];
      if (!name) continue;
      if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/.test(attrs)) continue;
      fields.append(name, value);
    }
    return fields;
  }

  /** Every checkbox/radio value offered under a name. */
  choices(name: string, html = this.lastHtml): string[] {
    return [...html.matchAll(new RegExp(`<input type="(?:checkbox|radio)" name="${name}" value="([^"]*)"`, 'g'))].map((m) => decode(m[1]!));
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

function decode(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
