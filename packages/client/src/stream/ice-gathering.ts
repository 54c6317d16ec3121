/**
 * Resolves once `pc` has gathered all its ICE candidates, or after `timeoutMs` with what it has: WHEP without
 * trickle sends one offer, so it should carry every candidate, but a network interface that never answers (a
 * dead VPN, an unreachable STUN server) must not hold playback back for long. Rejects when `signal` aborts.
 */
export function iceGatheringDone(
  pc: RTCPeerConnection,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onState);
      pc.removeEventListener('icecandidate', onCandidate);
      signal?.removeEventListener('abort', onAbort);
    };
    const finish = () => {
      cleanup();
      resolve();
    };
    const onState = () => {
      if (pc.iceGatheringState === 'complete') finish();
    };
    // The end-of-candidates event (a null candidate) also marks the end, in browsers that were late with the
    // gathering-state event.
    const onCandidate = (event: RTCPeerConnectionIceEvent) => {
      if (!event.candidate) finish();
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    };
    const timer = setTimeout(finish, timeoutMs);
    pc.addEventListener('icegatheringstatechange', onState);
    pc.addEventListener('icecandidate', onCandidate);
    signal?.addEventListener('abort', onAbort);
  });
}
