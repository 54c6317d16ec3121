import type { VerifiedCaller } from '../auth/signature-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the signature hook on IVH routes. */
    caller: VerifiedCaller | null;
    /** `Header.Code` of the response, for metrics. */
    ivhCode: number;
    /** The request's `Payload.ReqId`, echoed on errors too once known. */
    ivhReqId: string | undefined;
    /** `Header.RequestID` sent by the client, echoed instead of the server's id when present. */
    clientRequestId: string | undefined;
  }
  interface FastifyContextConfig {
    /** Marks a route of the IVH API: signed, enveloped, CORS-enabled. */
    ivh?: boolean;
  }
}

export {};
