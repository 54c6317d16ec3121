import { describe, expect, it, vi } from 'vitest';
import { textFrame } from './driver-frames.js';
import { DriverSocket, type DriverRoute } from './driver-socket.js';

/** A test-only WebSocket: records what is sent; the test opens, feeds and closes it. */
class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closedWith: number | undefined;

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1005): void {
    this.closedWith = code;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

const speechFrame = (reqId: string, extra: Record<string, unknown> = {}) => ({
  Header: { Code: 0, Message: '' },
  Payload: {
    ErrorCode: 0,
    ReqId: reqId,
    DriverRspType: 'SPEECH',
    SpeechRsp: { Audio: '', ThFeat: [], ThDim: 17, Final: false, ...extra },
  },
});

function setup() {
  FakeSocket.made = [];
  let urls = 0;
  const signedUrl = vi.fn(() => Promise.resolve(`ws://h/x?n=${++urls}`));
  const strayError = vi.fn();
  const socket = new DriverSocket({
    signedUrl,
    strayError,
    WebSocket: FakeSocket,
  });
  const route = () => ({ speech: vi.fn<DriverRoute['speech']>(), error: vi.fn<DriverRoute['error']>() });
  const frame = (reqId: string) => textFrame({ reqId, streamId: 's', projectId: 'p' }, 'hi', { ssml: false });
  /** The socket made by the n-th connection, once its URL is signed. */
  const made = async (n = 1) => {
    await vi.waitFor(() => expect(FakeSocket.made).toHaveLength(n));
    const socket = FakeSocket.made[n - 1];
    if (!socket) throw new Error(`no socket ${n}`);
    return socket;
  };
  return { socket, signedUrl, strayError, route, frame, made };
}

describe('DriverSocket', () => {
  it('connects only when the first frame is sent, and sends queued frames in order on open', async () => {
    const { socket, signedUrl, frame, made } = setup();
    expect(signedUrl).not.toHaveBeenCalled();
    socket.send('a', frame('a'));
    socket.send('b', frame('b'));
    const ws = await made();
    expect(ws.sent).toEqual([]);
    ws.open();
    socket.send('c', frame('c'));
    expect(ws.sent.map((f) => (f as { Payload: { ReqId: string } }).Payload.ReqId)).toEqual(['a', 'b', 'c']);
    expect(signedUrl).toHaveBeenCalledTimes(1);
  });

  it('routes frames by ReqId, drops other ReqIds and ignores pong frames', async () => {
    const { socket, frame, made, route, strayError } = setup();
    const a = route();
    const b = route();
    socket.route('a', a);
    const unrouteB = socket.route('b', b);
    socket.send('a', frame('a'));
    const ws = await made();
    ws.open();
    ws.receive(speechFrame('a', { Final: true }));
    ws.receive(speechFrame('someone-else'));
    ws.receive({ Header: { Code: 0, Message: 'pong frame' }, Payload: { ErrorCode: 0 } });
    unrouteB();
    ws.receive(speechFrame('b'));
    expect(a.speech).toHaveBeenCalledTimes(1);
    expect(a.speech.mock.calls[0]?.[0]).toMatchObject({ final: true });
    expect(b.speech).not.toHaveBeenCalled();
    expect(strayError).not.toHaveBeenCalled();
  });

  it('hands errors to their ReqId, and errors of no route to strayError', async () => {
    const { socket, frame, made, route, strayError } = setup();
    const a = route();
    socket.route('a', a);
    socket.send('a', frame('a'));
    const ws = await made();
    ws.open();
    ws.receive({ Header: { Code: 100001, Message: 'm' }, Payload: { ErrorCode: 100001, ReqId: 'a' } });
    ws.receive({ Header: { Code: 100012, Message: 'too frequent' }, Payload: { ErrorCode: 100012 } });
    expect(a.error).toHaveBeenCalledWith(100001, 'm');
    expect(strayError).toHaveBeenCalledWith('', 100012, 'too frequent');
  });

  it('fails every open route when the socket closes, and reconnects on a newly signed URL', async () => {
    const { socket, frame, made, route, signedUrl } = setup();
    const a = route();
    socket.route('a', a);
    socket.send('a', frame('a'));
    const first = await made();
    first.open();
    first.drop(1006);
    expect(a.error).toHaveBeenCalledWith(-111002, expect.stringContaining('closed (code 1006'));
    // The route is gone: a late frame for it finds nobody.
    first.receive(speechFrame('a'));
    expect(a.speech).not.toHaveBeenCalled();
    socket.send('b', frame('b'));
    const second = await made(2);
    expect(second.url).not.toBe(first.url);
    expect(signedUrl).toHaveBeenCalledTimes(2);
    second.open();
    expect(second.sent).toHaveLength(1);
  });

  it('fails the queued routes when the socket cannot be opened', async () => {
    const { socket, frame, made, route } = setup();
    const a = route();
    socket.route('a', a);
    socket.send('a', frame('a'));
    (await made()).drop(1006);
    expect(a.error).toHaveBeenCalledWith(-111002, expect.stringContaining('could not be opened'));
  });

  it('fails the queued routes when signing the URL fails', async () => {
    const route = { speech: vi.fn<DriverRoute['speech']>(), error: vi.fn<DriverRoute['error']>() };
    const socket = new DriverSocket({
      signedUrl: () => Promise.reject(new Error('no crypto')),
      WebSocket: FakeSocket,
    });
    socket.route('a', route);
    socket.send('a', textFrame({ reqId: 'a', streamId: 's', projectId: 'p' }, 'x', { ssml: false }));
    await vi.waitFor(() =>
      expect(route.error).toHaveBeenCalledWith(-111002, expect.stringContaining('no crypto')),
    );
  });

  it('closes quietly and refuses to send afterwards', async () => {
    const { socket, frame, made, route } = setup();
    const a = route();
    socket.route('a', a);
    socket.send('a', frame('a'));
    const ws = await made();
    ws.open();
    socket.close();
    socket.close();
    expect(ws.closedWith).toBe(1000);
    expect(a.error).not.toHaveBeenCalled();
    expect(() => socket.send('a', frame('a'))).toThrow(/closed/);
  });
});
