import { IvhError } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import { commandFrame, frameError, parseEventFrame } from './frames.js';

const event = { Type: 3, SessionId: 's1', ReqId: 'r1', Seq: 0, EventSeq: 7, SpeakStatus: 'TextStart' };

describe('frames', () => {
  it('builds the IVH command envelope of spec §4.1', () => {
    expect(JSON.parse(commandFrame('s1', 'SEND_TEXT', { Text: 'hi' }, 'r1'))).toEqual({
      Header: {},
      Payload: { ReqId: 'r1', SessionId: 's1', Command: 'SEND_TEXT', Data: { Text: 'hi' } },
    });
  });

  it('reads an event envelope and rejects what is not one', () => {
    const frame = parseEventFrame(JSON.stringify({ Header: { Code: 0, Message: '' }, Payload: event }));
    expect(frame).toEqual({ header: { Code: 0, Message: '' }, payload: event });
    expect(parseEventFrame(JSON.stringify({ Payload: event }))?.header).toEqual({});
    expect(parseEventFrame('not json')).toBeUndefined();
    expect(parseEventFrame(JSON.stringify({ Header: {}, Payload: {} }))).toBeUndefined();
    expect(parseEventFrame(JSON.stringify([event]))).toBeUndefined();
  });

  it('finds no error in an ordinary event', () => {
    expect(frameError({ header: { Code: 0 }, payload: event as never })).toBeUndefined();
  });

  it('reads a Type 9 event as an IvhError with its ErrorCode and message detail', () => {
    const payload = {
      ...event,
      Type: 9,
      SpeakStatus: 'Error',
      ErrorCode: 110015,
      ErrorMessage: 'drive command sent at the wrong moment, not processed: audio on a text session',
    };
    const error = frameError({ header: { Code: 110015, RequestID: 'e7' }, payload: payload as never });
    expect(error).toBeInstanceOf(IvhError);
    expect(error).toMatchObject({ code: 110015, detail: 'audio on a text session', requestId: 'e7' });
  });

  it('counts a non-zero Header.Code and the legacy Type 0 as errors too', () => {
    const byHeader = frameError({
      header: { Code: 100012, Message: 'requests too frequent' },
      payload: event as never,
    });
    expect(byHeader).toMatchObject({ code: 100012 });
    const legacy = frameError({ header: {}, payload: { ...event, Type: 0, ErrorMsg: 'x: boom' } as never });
    expect(legacy).toMatchObject({ code: -111005, detail: 'x: boom' });
  });
});
