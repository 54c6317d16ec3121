import { playWhep, whepEndpointFromPlayAddress, type WhepPlayback } from '@dhuman/client';
import { byId } from './dom.js';
import { describeStreamFailure } from './stream-status.js';
import { watchStreamEnd } from './stream-watch.js';

/**
 * The player page of one session, served at `/dhuman/play/<SessionId>?token=<play token>` (its PlayStreamAddr):
 * plays the session's server-rendered stream from `/dhuman/whep/<SessionId>?token=…` full-window, with a one-line
 * status. `document.body.dataset.state` and `window.dhumanStream` are there for tests and the console.
 */

type PageState = 'connecting' | 'playing' | 'ended' | 'error';

declare global {
  interface Window {
    /** The playback once the stream is set up (undefined before, and after a failure). */
    dhumanStream?: { playback: WhepPlayback | undefined };
  }
}

const video = byId('stream', HTMLVideoElement);
const status = byId('status', HTMLElement);
const unmute = byId('unmute', HTMLButtonElement);

const exposed: { playback: WhepPlayback | undefined } = { playback: undefined };
window.dhumanStream = exposed;

let state: PageState = 'connecting';
let unstable = false;

function show(next: PageState, text: string): void {
  state = next;
  document.body.dataset.state = next;
  status.textContent = text;
}

/** Frames are showing (the video's `playing` event). */
function showPlaying(): void {
  if (state === 'ended' || state === 'error') return;
  show(
    'playing',
    unstable ? 'Connection interrupted, waiting for it to come back…' : video.muted ? 'Live · muted' : 'Live',
  );
}

/** Sound or connection changed: the text follows, while playing. */
function refreshPlaying(): void {
  if (state === 'playing') showPlaying();
}

/** Starts the video, with sound if the browser allows it, else muted with a button to turn the sound on. */
async function startVideo(): Promise<void> {
  try {
    await video.play();
    return;
  } catch {
    // Autoplay with sound needs a gesture (or a site the user often plays media on); muted play needs none.
  }
  video.muted = true;
  unmute.hidden = false;
  refreshPlaying();
  await video.play().catch(() => undefined);
}

function turnSoundOn(): void {
  video.muted = false;
  unmute.hidden = true;
  // Called in the click, so this play() counts as the user's gesture.
  video.play().then(refreshPlaying, () => {
    video.muted = true;
    unmute.hidden = false;
    refreshPlaying();
  });
  refreshPlaying();
}

async function start(): Promise<void> {
  if (typeof RTCPeerConnection === 'undefined') {
    show('error', 'This browser cannot play WebRTC streams.');
    return;
  }
  let endpoint: string;
  try {
    endpoint = whepEndpointFromPlayAddress(location.href);
  } catch {
    show('error', 'This is not a stream link: expected …/dhuman/play/<SessionId>?token=…');
    return;
  }
  show('connecting', 'Connecting…');
  let playback: WhepPlayback;
  try {
    playback = await playWhep(video, { endpoint });
  } catch (error) {
    show('error', describeStreamFailure(error));
    return;
  }
  exposed.playback = playback;
  // The server frees this viewer's encoder share at once instead of waiting for the connection to time out.
  addEventListener('pagehide', () => void playback.stop());
  watchStreamEnd(playback, {
    ended: () => {
      unmute.hidden = true;
      show('ended', 'Stream ended');
      void playback.stop();
    },
    unstable: (now) => {
      unstable = now;
      refreshPlaying();
    },
  });
  await startVideo();
}

video.addEventListener('playing', showPlaying);
unmute.addEventListener('click', turnSoundOn);
// Back from the back/forward cache the connection is gone (stopped on pagehide): start afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
void start();
