import { z } from 'zod';

/** One STUN or TURN server, as RTCPeerConnection and werift take it (one URL per entry). */
export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

/** Printable ASCII only: the URL and credentials go into an HTTP header (WHEP `Link`), which allows nothing else. */
const ICE_URL = /^(stun|stuns|turn|turns):[!#-+\--:=?-~]+$/;
const ICE_CREDENTIAL = /^[ !#-[\]-~]*$/;

const iceServerSchema = z.strictObject({
  urls: z.union([z.string(), z.array(z.string()).min(1).max(8)]),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});

/**
 * Reads `DHUMAN_ICE_SERVERS`: either a comma-separated list of `stun:`/`turn:` URLs, or a JSON array in the
 * browser's RTCIceServer shape (`[{"urls":"turn:turn.example.com:3478","username":"u","credential":"p"}]`), which
 * is the only way to give TURN credentials. Empty means none: host candidates only (LAN and loopback).
 */
export function parseIceServers(text: string): IceServer[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let entries: z.infer<typeof iceServerSchema>[];
  if (trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new Error('not valid JSON');
    }
    const parsed = z.array(iceServerSchema).max(16).safeParse(json);
    if (!parsed.success)
      throw new Error(`not an array of {urls, username?, credential?}: ${parsed.error.issues[0]?.message}`);
    entries = parsed.data;
  } else {
    entries = trimmed.split(',').map((url) => ({ urls: url.trim() }));
  }
  const servers: IceServer[] = [];
  for (const entry of entries) {
    for (const url of typeof entry.urls === 'string' ? [entry.urls] : entry.urls) {
      if (!ICE_URL.test(url))
        throw new Error(`${JSON.stringify(url.slice(0, 100))} is not a stun:, stuns:, turn: or turns: URL`);
      for (const [name, value] of [
        ['username', entry.username],
        ['credential', entry.credential],
      ] as const) {
        if (value !== undefined && !ICE_CREDENTIAL.test(value)) {
          throw new Error(`the ${name} of ${url} may hold only printable ASCII without " or \\`);
        }
      }
      const isTurn = url.startsWith('turn');
      if (isTurn && (entry.username === undefined || entry.credential === undefined)) {
        throw new Error(`TURN server ${url} needs a username and credential (use the JSON form)`);
      }
      servers.push({ urls: url, ...(isTurn && { username: entry.username, credential: entry.credential }) });
    }
  }
  return servers;
}

/** A value safe inside a quoted Link parameter: printable ASCII, no quotes or backslashes. */
function quoted(value: string): string {
  return `"${[...value].filter((c) => c !== '"' && c !== '\\' && c >= ' ' && c <= '~').join('')}"`;
}

/** The WHEP `Link` header value advertising one ICE server (draft-ietf-wish-whep, "STUN/TURN server configuration"). */
export function iceServerLink(server: IceServer): string {
  const parts = [`<${server.urls}>`, 'rel="ice-server"'];
  if (server.username !== undefined && server.credential !== undefined) {
    parts.push(
      `username=${quoted(server.username)}`,
      `credential=${quoted(server.credential)}`,
      'credential-type="password"',
    );
  }
  return parts.join('; ');
}
