import { parseAvatarManifest, type AvatarManifest } from '@dhuman/avatar';
import { signedQuery } from '@dhuman/protocol';
import { TransportError } from '../errors.js';
import { payloadOf } from '../transport.js';
import { joinUrl } from '../urls.js';

export interface ProjectAvatarRequest {
  /** Normalised base URL (no trailing slash). */
  base: string;
  appkey: string;
  accesstoken: string;
  projectId: string;
  signal?: AbortSignal;
}

const TIMEOUT_MS = 10_000;

/**
 * The avatar of a project: `GET /dhuman/projects/<projectId>` (signed like the IVH routes), whose `Payload.Avatar`
 * is the manifest. Throws `IvhError` for a refusal, `TransportError` when no envelope came back, and
 * `AvatarFormatError` for a manifest this renderer cannot draw.
 */
export async function fetchProjectAvatar(request: ProjectAvatarRequest): Promise<AvatarManifest> {
  const path = `/dhuman/projects/${encodeURIComponent(request.projectId)}`;
  const query = await signedQuery({ appkey: request.appkey, accesstoken: request.accesstoken });
  const where = `GET ${path}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(joinUrl(request.base, path, query), {
      signal: request.signal ?? AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new TransportError(`${where}: request failed`, 0, '', { cause: error });
  }
  const payload = payloadOf<{ Avatar?: unknown }>(where, response.status, response.ok, text);
  return parseAvatarManifest(payload.Avatar);
}
