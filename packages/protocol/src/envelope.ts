import { z } from 'zod';
import { ERRORS } from './errors.js';

/** Request `Header`. Real clients often omit it (spec §9.1), so it defaults to `{}`. */
export const requestHeaderSchema = z.looseObject({
  RequestID: z.string().max(128).optional(),
});

/** A request body: `{Header?, Payload}`. `Payload` must be a JSON object. */
export const requestEnvelopeSchema = z.object({
  Header: requestHeaderSchema.optional(),
  Payload: z.looseObject({}),
});

export type RequestEnvelope = z.infer<typeof requestEnvelopeSchema>;

export interface ResponseHeader {
  Code: number;
  Message: string;
  RequestID: string;
  SessionID: string;
  DialogID: string;
}

export interface ResponseEnvelope<P extends object = Record<string, unknown>> {
  Header: ResponseHeader;
  Payload: P;
}

export const responseEnvelopeSchema = z.object({
  Header: z.looseObject({
    Code: z.int(),
    Message: z.string(),
    RequestID: z.string().optional(),
    SessionID: z.string().optional(),
    DialogID: z.string().optional(),
  }),
  Payload: z.looseObject({}),
});

export function okEnvelope<P extends object>(
  payload: P,
  requestId: string,
  sessionId = '',
): ResponseEnvelope<P> {
  return {
    Header: { Code: 0, Message: '', RequestID: requestId, SessionID: sessionId, DialogID: '' },
    Payload: payload,
  };
}

/** Error responses carry `Payload: {}` (or the echoed ReqId): clients index Payload unconditionally (§9.2). */
export function errorEnvelope(
  error: { code: number; message: string },
  requestId: string,
  payload: Record<string, unknown> = {},
  sessionId = '',
): ResponseEnvelope {
  return {
    Header: {
      Code: error.code,
      Message: error.message,
      RequestID: requestId,
      SessionID: sessionId,
      DialogID: '',
    },
    Payload: payload,
  };
}

export { ERRORS };
