import { describe, expect, it } from 'vitest';
import {
  parseDownstream,
  stopStreamFrame,
  stopTextFrame,
  streamFragmentFrame,
  textFrame,
  type DriveTarget,
} from './driver-frames.js';

const target: DriveTarget = { reqId: 'r1', streamId: 's1', projectId: 'demo' };
const json = (value: unknown) => JSON.stringify(value);

describe('upstream frames', () => {
  it('sends SSML text as given, Seq 0, not final (the vendor SDK shape)', () => {
    expect(textFrame(target, 'Hi<break time="1s"/>', { ssml: true })).toEqual({
      Header: {},
      Payload: {
        ReqId: 'r1',
        StreamId: 's1',
        VirtualmanProjectId: 'demo',
        InputText: 'Hi<break time="1s"/>',
        DriverType: 'TEXT',
        InputTextType: 'SSML',
        Seq: 0,
        IsFinal: false,
      },
    });
  });

  it('sends plain text as MARKDOWN, with SpeechParam when given', () => {
    const frame = textFrame(target, '**Hi**', { ssml: false, speechParam: { Speed: 1.2 } });
    expect(frame.Payload).toMatchObject({ InputTextType: 'MARKDOWN', SpeechParam: { Speed: 1.2 } });
  });

  it('numbers stream fragments and marks the last one final', () => {
    expect(streamFragmentFrame(target, 'Hello ', 1, false).Payload).toEqual({
      ReqId: 'r1',
      StreamId: 's1',
      VirtualmanProjectId: 'demo',
      InputText: 'Hello ',
      DriverType: 'STREAM_TEXT',
      InputTextType: 'MARKDOWN',
      Seq: 1,
      IsFinal: false,
    });
    expect(streamFragmentFrame(target, '', 3, true).Payload).toMatchObject({ Seq: 3, IsFinal: true });
  });

  it('stops TEXT with STOP_CHAT and an empty text on the same ReqId', () => {
    expect(stopTextFrame(target)).toEqual({
      Header: {},
      Payload: {
        ReqId: 'r1',
        StreamId: 's1',
        ChatCommand: 'STOP_CHAT',
        InputText: '',
        DriverType: 'TEXT',
        VirtualmanProjectId: 'demo',
      },
    });
  });

  it('stops a stream with a final "end" whose Seq is 9999', () => {
    expect(stopStreamFrame(target).Payload).toMatchObject({
      ReqId: 'r1',
      DriverType: 'STREAM_TEXT',
      InputText: 'end',
      Seq: 9999,
      IsFinal: true,
    });
  });
});

describe('parseDownstream', () => {
  const speech = {
    Audio: 'AAA=',
    ThFeat: [0.1, 0.2],
    ThDim: 2,
    ThFeatFinal: false,
    Action: [],
    Final: false,
    SeqNo: 0,
  };

  it('reads a SPEECH frame', () => {
    const frame = parseDownstream(
      json({
        Header: { Code: 0, Message: '', RequestID: 'x' },
        Payload: { ErrorCode: 0, ErrorMessage: '', ReqId: 'r1', DriverRspType: 'SPEECH', SpeechRsp: speech },
      }),
    );
    expect(frame).toEqual({
      kind: 'speech',
      reqId: 'r1',
      speech: { audio: 'AAA=', thFeat: [0.1, 0.2], thDim: 2, final: false, words: undefined },
    });
  });

  it("reads dhuman's Words and skips malformed ones", () => {
    const frame = parseDownstream(
      json({
        Header: { Code: 0, Message: '' },
        Payload: {
          ErrorCode: 0,
          ReqId: 'r1',
          DriverRspType: 'SPEECH',
          SpeechRsp: {
            ...speech,
            Final: true,
            Words: [
              { Text: 'Hello', StartMs: 0, EndMs: 300 },
              { Text: 'bad' },
              { Text: 'there', StartMs: 350 },
            ],
          },
        },
      }),
    );
    expect(frame).toMatchObject({
      kind: 'speech',
      speech: {
        final: true,
        words: [
          { Text: 'Hello', StartMs: 0, EndMs: 300 },
          { Text: 'there', StartMs: 350, EndMs: 350 },
        ],
      },
    });
  });

  it('ignores "pong frame" whatever its Code, and REPLY frames', () => {
    expect(parseDownstream(json({ Header: { Code: 0, Message: 'pong frame' }, Payload: {} })).kind).toBe(
      'ignore',
    );
    expect(parseDownstream(json({ Header: { Code: 1, Message: 'pong frame' }, Payload: {} })).kind).toBe(
      'ignore',
    );
    const reply = { ErrorCode: 0, ReqId: 'r1', DriverRspType: 'REPLY', ReplyRsp: { ReplyType: 'text' } };
    expect(parseDownstream(json({ Header: { Code: 0, Message: '' }, Payload: reply }))).toEqual({
      kind: 'ignore',
      reqId: 'r1',
    });
  });

  it('turns a non-zero Payload.ErrorCode or Header.Code into an error of its ReqId', () => {
    expect(
      parseDownstream(
        json({
          Header: { Code: 100001, Message: 'request parameter error: x' },
          Payload: { ErrorCode: 100001, ErrorMessage: 'request parameter error: x', ReqId: 'r1' },
        }),
      ),
    ).toEqual({ kind: 'error', reqId: 'r1', code: 100001, message: 'request parameter error: x' });
    expect(
      parseDownstream(json({ Header: { Code: 100012, Message: 'too frequent' }, Payload: { ErrorCode: 0 } })),
    ).toEqual({ kind: 'error', reqId: '', code: 100012, message: 'too frequent' });
  });

  it('counts a missing ErrorCode as an error, as the vendor SDK does', () => {
    const frame = parseDownstream(json({ Header: { Code: 0, Message: '' }, Payload: { ReqId: 'r1' } }));
    expect(frame).toMatchObject({ kind: 'error', reqId: 'r1', code: -111005 });
  });

  it('reports frames that are not JSON objects or carry bad SPEECH data', () => {
    expect(parseDownstream('not json')).toMatchObject({ kind: 'error', reqId: '' });
    expect(parseDownstream('[1]')).toMatchObject({ kind: 'error', reqId: '' });
    const bad = {
      ErrorCode: 0,
      ReqId: 'r1',
      DriverRspType: 'SPEECH',
      SpeechRsp: { ...speech, ThFeat: ['x'] },
    };
    expect(parseDownstream(json({ Header: { Code: 0 }, Payload: bad }))).toMatchObject({
      kind: 'error',
      reqId: 'r1',
    });
  });
});
