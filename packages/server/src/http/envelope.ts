import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  describeIssue,
  DHUMAN_PREFIX,
  errorEnvelope,
  ERRORS,
  IvhError,
  IVH_PREFIX,
  okEnvelope,
  requestEnvelopeSchema,
} from '@dhuman/protocol';
import type { VerifiedCaller } from '../auth/signature-verifier.js';
import './request-context.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The trace id a response carries: the client's `Header.RequestID` if it sent one, else the server's. */
export function traceId(request: FastifyRequest): string {
  return request.clientRequestId ?? request.id;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: IvhError): FastifyReply {
  request.ivhCode = error.code;
  const payload = request.ivhReqId === undefined ? {} : { ReqId: request.ivhReqId };
  // Always HTTP 200: several clients treat any other status as a transport failure (spec §9.2).
  return reply.code(200).send(errorEnvelope(error, traceId(request), payload));
}

/** Fastify's own client errors (bad framing, body too large…) as IVH parameter errors. */
function describeFastifyError(error: { code?: string; message: string }, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than ${request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES} bytes`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body';
    default:
      return error.message;
  }
}

/**
 * Outside the APIs a browser asks for pages and files (GET, HEAD): a missing or forbidden one is a plain HTTP
 * status there, not an envelope.
 */
function isPageRequest(request: FastifyRequest): boolean {
  const path = request.url;
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !path.startsWith(IVH_PREFIX) &&
    !path.startsWith(DHUMAN_PREFIX)
  );
}

/**
 * Envelope handling for the whole app: lenient JSON body parsing (real clients send odd content types), one
 * error handler that turns every failure into `{Header:{Code,Message}, Payload:{}}` without a stack trace,
 * and a not-found handler that does the same for unknown paths and methods.
 */
export function registerEnvelopeHandling(app: FastifyInstance, knownPaths: ReadonlySet<string>): void {
  app.decorateRequest('caller', null);
  app.decorateRequest('ivhCode', 0);
  app.decorateRequest('ivhReqId', undefined);
  app.decorateRequest('clientRequestId', undefined);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      done(new IvhError(ERRORS.INVALID_PARAMETER, `request body is not valid JSON (${reason})`), undefined);
    }
  });

  app.setErrorHandler<FastifyError | IvhError>((error, request, reply) => {
    if (error instanceof IvhError) return sendError(request, reply, error);
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500 && isPageRequest(request)) {
      return reply
        .code(status)
        .type('text/plain; charset=utf-8')
        .send(`${STATUS_CODES[status] ?? 'error'}\n`);
    }
    if (status >= 400 && status < 500) {
      return sendError(
        request,
        reply,
        new IvhError(ERRORS.INVALID_PARAMETER, describeFastifyError(error, request)),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    const detail = `unexpected failure (request ${request.id})`;
    return sendError(request, reply, new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, detail));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (isPageRequest(request)) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    const detail = knownPaths.has(path)
      ? `${request.method} is not allowed on ${path}; use POST`
      : `no API at ${request.method} ${path.slice(0, 200)}`;
    return sendError(request, reply, new IvhError(ERRORS.INVALID_PARAMETER, detail));
  });
}

export interface IvhHandlerContext {
  caller: VerifiedCaller;
  request: FastifyRequest;
}

/**
 * Registers one signed IVH POST route. The body is checked against the envelope and the Payload schema before
 * the handler runs; the handler returns the Payload fields beyond `ReqId`, which is echoed automatically.
 */
export function ivhRoute<S extends z.ZodType<Record<string, unknown>>>(
  app: FastifyInstance,
  path: string,
  schema: S,
  handler: (payload: z.output<S>, context: IvhHandlerContext) => Record<string, unknown>,
): void {
  if (!path.startsWith(IVH_PREFIX)) throw new Error(`${path} is not an IVH path`);
  app.post(path, { config: { ivh: true } }, (request) => {
    const payload = parsePayload(request, schema);
    if (!request.caller) throw new IvhError(ERRORS.UNAUTHORIZED, 'request was not authenticated');
    const result = handler(payload, { caller: request.caller, request });
    const sessionId = typeof result.SessionId === 'string' ? result.SessionId : '';
    return okEnvelope({ ReqId: request.ivhReqId ?? '', ...result }, traceId(request), sessionId);
  });
}

export type SignedMethod = 'GET' | 'PUT' | 'DELETE';

export interface SignedRouteOptions<S extends z.ZodType<Record<string, unknown>>> {
  /** The Payload schema of a PUT; GET and DELETE have no body. */
  schema?: S;
  /** Body limit of this route in bytes (default BODY_LIMIT_BYTES). */
  bodyLimit?: number;
}

/**
 * Registers one of dhuman's own signed routes under `/dhuman/` (GET, PUT or DELETE, path parameters allowed):
 * signed like IVH routes, answered with the `{Header, Payload}` envelope and HTTP 200 for every outcome.
 * `ReqId` is echoed only when the body carried one.
 */
export function signedRoute<S extends z.ZodType<Record<string, unknown>>>(
  app: FastifyInstance,
  method: SignedMethod,
  path: string,
  options: SignedRouteOptions<S>,
  handler: (payload: z.output<S> | undefined, context: IvhHandlerContext) => Record<string, unknown>,
): void {
  if (!path.startsWith(DHUMAN_PREFIX)) throw new Error(`${path} is not a dhuman path`);
  app.route({
    method,
    url: path,
    config: { ivh: true },
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
    handler: (request) => {
      const payload = options.schema ? parsePayload(request, options.schema) : undefined;
      if (!request.caller) throw new IvhError(ERRORS.UNAUTHORIZED, 'request was not authenticated');
      const result = handler(payload, { caller: request.caller, request });
      const echo = request.ivhReqId === undefined ? {} : { ReqId: request.ivhReqId };
      return okEnvelope({ ...echo, ...result }, traceId(request));
    },
  });
}

function parsePayload<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
  if (request.body === undefined || request.body === null) {
    throw new IvhError(ERRORS.INVALID_PARAMETER, 'request body is empty; send {"Header":{},"Payload":{...}}');
  }
  const envelope = requestEnvelopeSchema.safeParse(request.body);
  if (!envelope.success) {
    throw new IvhError(ERRORS.INVALID_PARAMETER, describeIssue(envelope.error, 'body'));
  }
  request.clientRequestId = envelope.data.Header?.RequestID;
  const reqId = envelope.data.Payload.ReqId;
  if (typeof reqId === 'string' && reqId.length <= 128) request.ivhReqId = reqId;
  const payload = schema.safeParse(envelope.data.Payload);
  if (!payload.success) throw new IvhError(ERRORS.INVALID_PARAMETER, describeIssue(payload.error));
  return payload.data;
}
