import type { WhepPlayback } from '@dhuman/client';
import { isConnectionGone } from './stream-status.js';

export interface StreamWatchers {
  /** The stream is over for good; called once. */
  ended: () => void;
  /** The connection dropped (`true`) or came back (`false`); browsers retry on their own for a while. */
  unstable?: (unstable: boolean) => void;
}

/**
 * Watches a playing stream for its end. The connection state alone is slow to tell: when the server closes its
 * side, DTLS says so at once (close_notify) while ICE takes its consent timeout (about 30 s) to give up, so the
 * DTLS transport and the tracks are watched as well. Returns the function that stops watching.
 */
export function watchStreamEnd(playback: WhepPlayback, on: StreamWatchers): () => void {
  const { pc } = playback;
  const offs: (() => void)[] = [];
  const listen = (target: EventTarget, type: string, listener: () => void) => {
    target.addEventListener(type, listener);
    offs.push(() => target.removeEventListener(type, listener));
  };
  const stop = () => {
    for (const off of offs.splice(0)) off();
  };
  const end = () => {
    stop();
    on.ended();
  };

  listen(pc, 'connectionstatechange', () => {
    if (isConnectionGone(pc.connectionState)) end();
    else if (pc.connectionState === 'disconnected') on.unstable?.(true);
    else if (pc.connectionState === 'connected') on.unstable?.(false);
  });
  for (const receiver of pc.getReceivers()) {
    listen(receiver.track, 'ended', end);
  }
  // One transport for both tracks (bundled), known once the answer is applied, as it is by now.
  const transport = pc.getReceivers()[0]?.transport;
  if (transport) {
    listen(transport, 'statechange', () => {
      if (transport.state === 'closed' || transport.state === 'failed') end();
    });
  }
  return stop;
}
