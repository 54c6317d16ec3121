/** `/dhuman/play/<SessionId>` at the end of a path, after any prefix the server is mounted under. */
const PLAY_PATH = /^(.*)\/dhuman\/play\/([^/]+)\/?$/;

/**
 * The WHEP endpoint of a session from its player page address (the `PlayStreamAddr` of a webrtc session):
 * `https://h/dhuman/play/<id>?token=T` → `https://h/dhuman/whep/<id>?token=T`. The query (the play token) is
 * kept as it is and a fragment dropped. Throws `TypeError` for anything else, such as an `rtmp://` address.
 */
export function whepEndpointFromPlayAddress(playAddr: string): string {
  let url: URL;
  try {
    url = new URL(playAddr);
  } catch {
    throw new TypeError(`not a play address (not an absolute URL): ${playAddr}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`not a play address (WHEP needs http or https, got ${url.protocol}): ${playAddr}`);
  }
  const match = PLAY_PATH.exec(url.pathname);
  if (!match) {
    throw new TypeError(
      `not a play address (expected a path ending in /dhuman/play/<SessionId>): ${playAddr}`,
    );
  }
  if (!url.searchParams.get('token')) {
    throw new TypeError(`not a play address (no ?token= play token): ${playAddr}`);
  }
  url.pathname = `${match[1] ?? ''}/dhuman/whep/${match[2] ?? ''}`;
  url.hash = '';
  return url.href;
}
