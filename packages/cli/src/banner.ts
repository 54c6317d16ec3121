import { SESSION_PATHS, signedQuery } from '@dhuman/protocol';
import type { RunningServer } from '@dhuman/server';

/** Quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The start-up banner: where the server listens, the demo page, the credential, and a signed curl line that
 * creates a demo session when pasted. The accesstoken is shown only on the start that created it; it is never
 * logged.
 */
export async function startBanner(server: RunningServer, version: string): Promise<string> {
  const { credential, created } = server.credential;
  const query = await signedQuery({ appkey: credential.appkey, accesstoken: credential.accesstoken });
  const body = JSON.stringify({
    Header: {},
    Payload: {
      ReqId: crypto.randomUUID().replaceAll('-', ''),
      VirtualmanProjectId: 'demo',
      UserId: 'quickstart',
      Protocol: 'webrtc',
      DriverType: 1,
    },
  });
  const curl =
    `curl -s -X POST ${shellQuote(`${server.url}${SESSION_PATHS.createsession}?${query}`)} ` +
    `-H 'Content-Type: application/json' -d ${shellQuote(body)}`;
  const token = created
    ? `${credential.accesstoken}   (new: keep it, it is shown only now)`
    : `stored in ${server.config.dataDir} (show it: npx dhuman credential list --show-secrets)`;
  return [
    '',
    `dhuman ${version} listening on ${server.url}`,
    `  demo page    ${server.url}/`,
    `  data dir     ${server.config.dataDir}`,
    `  appkey       ${credential.appkey}`,
    `  accesstoken  ${token}`,
    `  health       ${server.url}/dhuman/healthz`,
    '',
    'Create a demo session (signature valid for 5 minutes; `npx dhuman sign` makes fresh ones):',
    `  ${curl}`,
    '',
  ].join('\n');
}
