import type { ZodType } from 'zod';
import {
  describeIssue,
  ERRORS,
  heartbeatDataSchema,
  IvhError,
  sendAudioDataSchema,
  sendStreamTextDataSchema,
  sendTextDataSchema,
  type DriveCommand,
} from '@dhuman/protocol';
import type { SessionDrive } from './session-drive.js';

/**
 * Validates one drive command's `Data` and hands it to the session's scheduler. Shared by the command channel
 * and the HTTP command API, so both give a command the same meaning. Throws an IvhError for input that never
 * reaches the scheduler; the scheduler reports its own errors as events.
 */
export function runCommand(
  drive: SessionDrive,
  payload: DriveCommand['Payload'],
  allowed: ReadonlySet<string> = ALL_COMMANDS,
): void {
  const { Command: command, ReqId: reqId } = payload;
  if (!allowed.has(command)) {
    const known = [...allowed].join(', ');
    throw new IvhError(
      ERRORS.INVALID_PARAMETER,
      `Payload.Command "${command.slice(0, 64)}" is not one of ${known}`,
    );
  }
  const data = payload.Data ?? {};
  switch (command) {
    case 'SEND_TEXT':
      drive.scheduler.sendText(reqId, parse(sendTextDataSchema, data));
      return;
    case 'SEND_STREAMTEXT':
      drive.scheduler.sendStreamText(reqId, parse(sendStreamTextDataSchema, data));
      return;
    case 'SEND_AUDIO':
      drive.scheduler.sendAudio(reqId, parse(sendAudioDataSchema, data));
      return;
    case 'SEND_HEARTBEAT':
      parse(heartbeatDataSchema, data);
      return;
  }
}

export const ALL_COMMANDS: ReadonlySet<string> = new Set([
  'SEND_TEXT',
  'SEND_STREAMTEXT',
  'SEND_AUDIO',
  'SEND_HEARTBEAT',
]);

function parse<T>(schema: ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success)
    throw new IvhError(ERRORS.INVALID_PARAMETER, describeIssue(result.error, 'Payload.Data'));
  return result.data;
}
