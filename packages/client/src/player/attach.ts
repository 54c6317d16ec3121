import { AvatarRenderer, parseAvatarManifest } from '@dhuman/avatar';
import { normalizeBaseUrl } from '../urls.js';
import { AvatarPlayerImpl } from './avatar-player.js';
import { fetchProjectAvatar } from './project-avatar.js';
import { signedDriverEngineUrl } from './socket-url.js';
import type { AvatarPlayer, AvatarPlayerOptions } from './types.js';

const DEFAULT_JITTER_MS = 80;
/** More jitter buffer than this is a mistake (seconds of silence before every utterance). */
const MAX_JITTER_MS = 2000;

function required(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} is required`);
  return value;
}

/**
 * Draws the project's avatar on `canvas` and returns the player that makes it speak. The avatar comes from
 * `options.avatar` or from the server. Nothing connects until the first `speak`/`stream`: the driverengine
 * socket opens then (spec §9.4). Throws `TypeError` for bad options, `IvhError`/`TransportError` when the avatar
 * cannot be fetched, `AvatarFormatError` for a manifest the renderer cannot draw.
 */
export async function attachAvatarPlayer(
  canvas: HTMLCanvasElement,
  options: AvatarPlayerOptions,
): Promise<AvatarPlayer> {
  const base = normalizeBaseUrl(required('baseUrl', options.baseUrl));
  const appkey = required('appkey', options.appkey);
  const accesstoken = required('accesstoken', options.accesstoken);
  const projectId = required('projectId', options.projectId);
  const language = options.language ?? 'zh-CN';
  if (language !== 'zh-CN' && language !== 'en-US') {
    throw new TypeError(`language must be zh-CN or en-US, got ${String(language)}`);
  }
  const jitterMs = options.jitterMs ?? DEFAULT_JITTER_MS;
  if (!(jitterMs >= 0 && jitterMs <= MAX_JITTER_MS)) {
    throw new TypeError(`jitterMs must be a number from 0 to ${MAX_JITTER_MS}, got ${jitterMs}`);
  }
  const context2d = canvas.getContext('2d');
  if (!context2d) throw new TypeError('the canvas has no 2d context (is another context already in use?)');

  const manifest = options.avatar
    ? parseAvatarManifest(options.avatar)
    : await fetchProjectAvatar({ base, appkey, accesstoken, projectId });
  const renderer = new AvatarRenderer(manifest);

  const audioContext = options.audioContext ?? new AudioContext({ latencyHint: 'interactive' });
  return new AvatarPlayerImpl({
    canvas,
    context2d,
    renderer,
    audioContext,
    ownsAudioContext: options.audioContext === undefined,
    projectId,
    jitterSec: jitterMs / 1000,
    subtitles: options.subtitles,
    signedSocketUrl: () => signedDriverEngineUrl({ base, appkey, accesstoken, language }),
  });
}
