import type { PlayAddressForm, SessionRecord } from '@dhuman/core';
import type { StreamTokens } from './play-tokens.js';

export interface PlayAddressesOptions {
  tokens: StreamTokens;
  baseUrl: () => string;
  embeddedRtmpPort: () => number | undefined;
  /** DHUMAN_RTMP_URL: the operator's media server; the session id is appended. */
  rtmpUrl: string | undefined;
}

export const PLAY_PAGE_PREFIX = '/dhuman/play/';
export const WHEP_PREFIX = '/dhuman/whep/';
export const HLS_PREFIX = '/dhuman/live/';
/** The app name on the embedded RTMP server. */
export const RTMP_APP = 'live';

/** Builds the addresses a session is watched at and pushed to (spec §9.5). */
export class PlayAddresses {
  constructor(private readonly opts: PlayAddressesOptions) {}

  playPage(sessionId: string): string {
    return `${this.opts.baseUrl()}${PLAY_PAGE_PREFIX}${sessionId}?token=${this.opts.tokens.token(sessionId)}`;
  }

  hls(sessionId: string): string {
    return `${this.opts.baseUrl()}${HLS_PREFIX}${sessionId}.m3u8?token=${this.opts.tokens.token(sessionId)}`;
  }

  /** The embedded RTMP server's pull address, on the public host; undefined when that server is off. */
  embeddedRtmp(sessionId: string): string | undefined {
    const port = this.opts.embeddedRtmpPort();
    if (port === undefined) return undefined;
    const host = new URL(this.opts.baseUrl()).hostname;
    return `rtmp://${host}:${port}/${RTMP_APP}/${sessionId}?token=${this.opts.tokens.token(sessionId)}`;
  }

  /**
   * `PlayStreamAddr`. webrtc sessions: the player page, or HLS. rtmp sessions: "" when pushed to the client's or
   * the operator's server (the client knows where it plays; spec §3.1 notes no address with CssCustomPushUrl),
   * else the embedded server's rtmp:// address, or HLS when the project asks for it.
   */
  playAddress(session: SessionRecord, form: PlayAddressForm): string {
    const id = session.sessionId;
    if (form === 'hls') return this.hls(id);
    if (session.protocol === 'webrtc') return this.playPage(id);
    if (customPushUrl(session) || this.opts.rtmpUrl) return '';
    return this.embeddedRtmp(id) ?? '';
  }

  /** Where an rtmp session's ffmpeg publishes; undefined when there is nowhere. */
  pushUrl(session: SessionRecord): string | undefined {
    const custom = customPushUrl(session);
    if (custom) return custom;
    if (this.opts.rtmpUrl) return `${this.opts.rtmpUrl.replace(/\/?$/, '/')}${session.sessionId}`;
    const port = this.opts.embeddedRtmpPort();
    if (port === undefined) return undefined;
    const token = this.opts.tokens.token(session.sessionId, 'publish');
    return `rtmp://127.0.0.1:${port}/${RTMP_APP}/${session.sessionId}?token=${token}`;
  }
}

function customPushUrl(session: SessionRecord): string | undefined {
  const url = session.options.protocolOption?.['CssCustomPushUrl'];
  return typeof url === 'string' && url !== '' ? url : undefined;
}
