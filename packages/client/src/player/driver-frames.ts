import { ERRORS } from '@dhuman/protocol';

/**
 * The frames of the client-render channel `driverengine` (spec §6.2, §9.4): builders for what the player sends,
 * and a parser that sorts what it receives. Pure functions, so the wire shapes are tested without a socket.
 */

/** The `Seq` of the SDK's stream stop `{InputText: "end", Seq: 9999, IsFinal: true}` (spec §9.4). */
export const STOP_STREAM_SEQ = 9999;

/** `SpeechParam` of a drive (spec §6.2); every field optional, the server's project voice applies otherwise. */
export interface DriverSpeechParam {
  TimbreKey?: string;
  /** 0.5 … 2.0 */
  Speed?: number;
  /** -10 … 10 */
  Volume?: number;
  EmotionCategory?: string;
  /** 50 … 200 */
  EmotionIntensity?: number;
  SmartActionEnabled?: boolean;
  /** 0 per character, 1 per word. */
  SubtitleType?: 0 | 1;
}

/** Fields every upstream frame of one utterance carries. */
export interface DriveTarget {
  reqId: string;
  /** The dialogue (one per player). */
  streamId: string;
  projectId: string;
}

export interface UpstreamFrame {
  Header: Record<string, never>;
  Payload: Record<string, unknown>;
}

function frame(payload: Record<string, unknown>): UpstreamFrame {
  return { Header: {}, Payload: payload };
}

function speechParam(param: DriverSpeechParam | undefined): { SpeechParam?: DriverSpeechParam } {
  return param ? { SpeechParam: param } : {};
}

/** A whole text: SSML as given (not wrapped in `<speak>`), or markdown, the server's default type. */
export function textFrame(
  target: DriveTarget,
  text: string,
  options: { ssml: boolean; speechParam?: DriverSpeechParam | undefined },
): UpstreamFrame {
  return frame({
    ReqId: target.reqId,
    StreamId: target.streamId,
    VirtualmanProjectId: target.projectId,
    InputText: text,
    DriverType: 'TEXT',
    InputTextType: options.ssml ? 'SSML' : 'MARKDOWN',
    Seq: 0,
    IsFinal: false,
    ...speechParam(options.speechParam),
  });
}

/** One fragment of a STREAM_TEXT utterance; `seq` counts from 1, the last fragment has `isFinal`. */
export function streamFragmentFrame(
  target: DriveTarget,
  text: string,
  seq: number,
  isFinal: boolean,
  param?: DriverSpeechParam,
): UpstreamFrame {
  return frame({
    ReqId: target.reqId,
    StreamId: target.streamId,
    VirtualmanProjectId: target.projectId,
    InputText: text,
    DriverType: 'STREAM_TEXT',
    InputTextType: 'MARKDOWN',
    Seq: seq,
    IsFinal: isFinal,
    ...speechParam(param),
  });
}

/** Stops a TEXT utterance: the SDK's `STOP_CHAT` with an empty text on the same ReqId. */
export function stopTextFrame(target: DriveTarget): UpstreamFrame {
  return frame({
    ReqId: target.reqId,
    StreamId: target.streamId,
    ChatCommand: 'STOP_CHAT',
    InputText: '',
    DriverType: 'TEXT',
    VirtualmanProjectId: target.projectId,
  });
}

/** Stops a STREAM_TEXT utterance: a final "end" fragment whose Seq jumps to 9999. */
export function stopStreamFrame(target: DriveTarget): UpstreamFrame {
  return streamFragmentFrame(target, 'end', STOP_STREAM_SEQ, true);
}

/** A word of the dhuman `SpeechRsp.Words` extension; ms from the start of the ReqId's audio. */
export interface WordTiming {
  Text: string;
  StartMs: number;
  EndMs: number;
}

/** What the player reads of a `SpeechRsp`. */
export interface SpeechChunk {
  /** Base64 s16le mono PCM at 24 kHz ('' for a frame without audio). */
  audio: string;
  /** Flat blendshape weights, `thDim` per 40 ms frame. */
  thFeat: readonly number[];
  thDim: number;
  final: boolean;
  /** Absent when the server does not send them (the vendor does not). */
  words: WordTiming[] | undefined;
}

export type DownstreamFrame =
  | { kind: 'ignore'; reqId: string }
  | { kind: 'speech'; reqId: string; speech: SpeechChunk }
  | { kind: 'error'; reqId: string; code: number; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function malformed(reqId: string, detail: string): DownstreamFrame {
  return {
    kind: 'error',
    reqId,
    code: ERRORS.DRIVE_FAILED.code,
    message: `malformed driverengine frame: ${detail}`,
  };
}

function words(value: unknown): WordTiming[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const result: WordTiming[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const { Text, StartMs, EndMs } = item;
    if (typeof Text !== 'string' || typeof StartMs !== 'number' || !Number.isFinite(StartMs)) continue;
    result.push({
      Text,
      StartMs,
      EndMs: typeof EndMs === 'number' && Number.isFinite(EndMs) ? EndMs : StartMs,
    });
  }
  return result;
}

/**
 * Sorts one downstream text frame (spec §9.4): a `Header.Message` of "pong frame" is ignored whatever its Code;
 * a non-zero `Header.Code` or a `Payload.ErrorCode` other than the number 0 (missing counts) is an error; a
 * `SPEECH` frame is speech; anything else (`REPLY` text of a chat, unknown types) is ignored.
 */
export function parseDownstream(text: string): DownstreamFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed('', 'not JSON');
  }
  if (!isObject(json)) return malformed('', 'not a JSON object');
  const header = isObject(json.Header) ? json.Header : {};
  const payload = isObject(json.Payload) ? json.Payload : {};
  const reqId = str(payload.ReqId);
  if (header.Message === 'pong frame') return { kind: 'ignore', reqId };
  const headerCode = typeof header.Code === 'number' ? header.Code : 0;
  if (headerCode !== 0 || payload.ErrorCode !== 0) {
    const code =
      typeof payload.ErrorCode === 'number' && payload.ErrorCode !== 0 ? payload.ErrorCode : headerCode;
    const message = str(payload.ErrorMessage) || str(header.Message) || 'error without a message';
    return code === 0
      ? malformed(reqId, 'Payload.ErrorCode is missing')
      : { kind: 'error', reqId, code, message };
  }
  if (payload.DriverRspType !== 'SPEECH') return { kind: 'ignore', reqId };
  const speech = payload.SpeechRsp;
  if (!isObject(speech)) return malformed(reqId, 'SPEECH without SpeechRsp');
  const thFeat = Array.isArray(speech.ThFeat) ? (speech.ThFeat as unknown[]) : [];
  const thDim = typeof speech.ThDim === 'number' && speech.ThDim > 0 ? Math.floor(speech.ThDim) : 0;
  if (thFeat.some((w) => typeof w !== 'number')) return malformed(reqId, 'ThFeat holds a non-number');
  return {
    kind: 'speech',
    reqId,
    speech: {
      audio: str(speech.Audio),
      thFeat: thDim > 0 ? (thFeat as number[]) : [],
      thDim,
      final: speech.Final === true,
      words: words(speech.Words),
    },
  };
}
