import { ERRORS, EVENT_TYPE, IvhError, SPEAK_STATUS, type DriveEventPayload } from '@dhuman/protocol';

/** The command names of spec §4.4; any other string is sent as given. */
export type CommandName = 'SEND_TEXT' | 'SEND_STREAMTEXT' | 'SEND_AUDIO' | 'SEND_HEARTBEAT' | (string & {});

/** One upstream frame: the IVH command envelope of spec §4.1, as JSON text. */
export function commandFrame(
  sessionId: string,
  command: CommandName,
  data: Readonly<Record<string, unknown>>,
  reqId: string,
): string {
  return JSON.stringify({
    Header: {},
    Payload: { ReqId: reqId, SessionId: sessionId, Command: command, Data: data },
  });
}

/** What a downstream frame's `Header` may carry; every field is optional because other servers omit some. */
export interface EventFrameHeader {
  Code?: number;
  Message?: string;
  RequestID?: string;
}

export interface EventFrame {
  header: EventFrameHeader;
  payload: DriveEventPayload;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a downstream text frame (spec §4.6). Returns undefined for anything that is not a JSON envelope whose
 * `Payload` has a numeric `Type`; the Payload's other fields are the server's contract and taken as they are.
 */
export function parseEventFrame(text: string): EventFrame | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(json) || !isObject(json['Payload']) || typeof json['Payload']['Type'] !== 'number') {
    return undefined;
  }
  const header = isObject(json['Header']) ? json['Header'] : {};
  return {
    header: {
      ...(typeof header['Code'] === 'number' && { Code: header['Code'] }),
      ...(typeof header['Message'] === 'string' && { Message: header['Message'] }),
      ...(typeof header['RequestID'] === 'string' && { RequestID: header['RequestID'] }),
    },
    payload: json['Payload'] as unknown as DriveEventPayload,
  };
}

/**
 * The error a frame reports, or undefined when it reports none. A non-zero `Header.Code`, Type 9, the legacy
 * Type 0 (which Tencent's demo also treats as an error, spec §9.3) and `SpeakStatus: "Error"` all count.
 */
export function frameError({ header, payload }: EventFrame): IvhError | undefined {
  const failed =
    (header.Code ?? 0) !== 0 ||
    payload.Type === EVENT_TYPE.DRIVE_ERROR ||
    payload.Type === EVENT_TYPE.ERROR_LEGACY ||
    payload.SpeakStatus === SPEAK_STATUS.ERROR;
  if (!failed) return undefined;
  const code = payload.ErrorCode || header.Code || ERRORS.DRIVE_FAILED.code;
  const message = payload.ErrorMessage ?? payload.ErrorMsg ?? header.Message ?? '';
  return IvhError.fromWire(code, message, header.RequestID || undefined);
}
