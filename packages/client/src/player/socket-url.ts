import { DRIVE_PATHS, signedQuery } from '@dhuman/protocol';
import { newReqId } from '../req-id.js';
import type { Language } from '../transport.js';
import { joinUrl } from '../urls.js';

export interface DriverEngineCredentials {
  /** Normalised base URL (no trailing slash). */
  base: string;
  appkey: string;
  accesstoken: string;
  language: Language;
}

/**
 * A newly signed driverengine URL (spec §9.4): a fresh 32-hex `requestid` for every connection and `Language`
 * signed with the other parameters, as the vendor SDK does; ws(s) from the base's http(s).
 */
export async function signedDriverEngineUrl(credentials: DriverEngineCredentials): Promise<string> {
  const query = await signedQuery({
    appkey: credentials.appkey,
    accesstoken: credentials.accesstoken,
    extra: { requestid: newReqId(), Language: credentials.language },
  });
  return joinUrl(credentials.base, DRIVE_PATHS.driverEngine, query);
}
