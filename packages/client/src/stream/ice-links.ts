/**
 * The ICE servers a WHEP endpoint advertises in `Link` headers (the WHEP draft, §4.4, on RFC 8288's syntax):
 *
 *   Link: <stun:stun.example.net>; rel="ice-server"
 *   Link: <turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p";
 *         credential-type="password"
 *
 * `fetch` joins repeated headers with ", ", so one string may hold several links; a comma inside `<…>` or a
 * quoted value does not split them. A malformed link is skipped rather than failing playback: the stream may
 * well connect without that server.
 */
export function parseIceServerLinks(header: string | null | undefined): RTCIceServer[] {
  if (!header) return [];
  const servers: RTCIceServer[] = [];
  for (const link of parseLinks(header)) {
    const rel = link.params.get('rel');
    // `rel` may list several relation types, separated by spaces; names compare case-insensitively.
    if (!rel?.toLowerCase().split(/\s+/).includes('ice-server')) continue;
    const server: RTCIceServer = { urls: link.url };
    const username = link.params.get('username');
    const credential = link.params.get('credential');
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    servers.push(server);
  }
  return servers;
}

interface Link {
  url: string;
  /** Parameter names lower-cased; a parameter without a value maps to "". The first of a repeated name wins. */
  params: Map<string, string>;
}

/** Splits a Link header value into its links; a link whose syntax breaks is dropped up to the next comma. */
function parseLinks(header: string): Link[] {
  const links: Link[] = [];
  const scanner = new Scanner(header);
  while (!scanner.done()) {
    scanner.skip(/[\s,]/);
    if (scanner.done()) break;
    const link = parseLink(scanner);
    if (link) links.push(link);
    else scanner.skipPast(',');
  }
  return links;
}

function parseLink(scanner: Scanner): Link | undefined {
  if (!scanner.eat('<')) return undefined;
  const url = scanner.until('>');
  if (url === undefined || url.trim() === '') return undefined;
  const params = new Map<string, string>();
  for (;;) {
    scanner.skip(/\s/);
    if (scanner.done() || scanner.peek() === ',') return { url: url.trim(), params };
    if (!scanner.eat(';')) return undefined;
    scanner.skip(/\s/);
    const name = scanner.token().toLowerCase();
    if (name === '') continue;
    scanner.skip(/\s/);
    let value = '';
    if (scanner.eat('=')) {
      scanner.skip(/\s/);
      const read = scanner.peek() === '"' ? scanner.quoted() : scanner.token();
      if (read === undefined) return undefined;
      value = read;
    }
    if (!params.has(name)) params.set(name, value);
  }
}

/** A cursor over the header text. */
class Scanner {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    return this.#at >= this.#text.length;
  }

  peek(): string | undefined {
    return this.#text[this.#at];
  }

  eat(char: string): boolean {
    if (this.#text[this.#at] !== char) return false;
    this.#at++;
    return true;
  }

  skip(chars: RegExp): void {
    while (!this.done() && chars.test(this.#text[this.#at] ?? '')) this.#at++;
  }

  skipPast(char: string): void {
    const next = this.#text.indexOf(char, this.#at);
    this.#at = next < 0 ? this.#text.length : next + 1;
  }

  /** The text up to `char` (which is consumed), or undefined when it never comes. */
  until(char: string): string | undefined {
    const end = this.#text.indexOf(char, this.#at);
    if (end < 0) return undefined;
    const text = this.#text.slice(this.#at, end);
    this.#at = end + 1;
    return text;
  }

  /** An unquoted parameter name or value: everything up to whitespace or a delimiter. */
  token(): string {
    const start = this.#at;
    while (!this.done() && !/[\s;,="]/.test(this.#text[this.#at] ?? '')) this.#at++;
    return this.#text.slice(start, this.#at);
  }

  /** A quoted-string (RFC 9110 §5.6.4) with its backslash escapes undone; undefined when unterminated. */
  quoted(): string | undefined {
    this.#at++; // the opening quote
    let value = '';
    while (!this.done()) {
      const char = this.#text[this.#at++];
      if (char === '"') return value;
      if (char === '\\' && !this.done()) value += this.#text[this.#at++];
      else value += char;
    }
    return undefined;
  }
}
