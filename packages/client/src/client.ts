import {
  CONFIG_PATHS,
  SESSION_PATHS,
  type CreateSessionResponse,
  type DescribeActionConfigResponse,
  type ListSessionsResponse,
  type ReqIdResponse,
  type StatSessionResponse,
} from '@dhuman/protocol';
import { newReqId } from './req-id.js';
import { Transport } from './transport.js';
import type {
  CreateSessionByAssetInput,
  CreateSessionInput,
  DhumanClientOptions,
  WaitUntilReadyOptions,
} from './types.js';
import { waitUntilReady } from './wait-ready.js';

/**
 * The IVH session API of a dhuman server (or of Tencent's gateway: the wire is the same). Each method signs its
 * URL afresh and resolves with the response `Payload`; failures reject with `IvhError` (the server said no) or
 * `TransportError` (no proper answer arrived).
 */
export class DhumanClient {
  readonly #transport: Transport;

  constructor(options: DhumanClientOptions) {
    this.#transport = new Transport(options);
  }

  /**
   * POSTs `payload` to any IVH path and resolves with the `Payload` of the answer, typed by the caller. A `ReqId`
   * is added when the payload has none, as almost every IVH API expects one (spec §2.1).
   */
  call<P>(path: string, payload: Readonly<Record<string, unknown>>): Promise<P> {
    const body = payload['ReqId'] === undefined ? { ...payload, ReqId: newReqId() } : payload;
    return this.#transport.post<P>(path, body);
  }

  /** A signed absolute URL for `path` (`ws:`/`wss:` for `/v2/ws/…`), e.g. `extra = {requestid: sessionId}`. */
  signedUrl(path: string, extra?: Record<string, string>): Promise<string> {
    return this.#transport.signedUrl(path, extra);
  }

  createSession(request: CreateSessionInput): Promise<CreateSessionResponse> {
    return this.call(SESSION_PATHS.createsession, request);
  }

  createSessionByAsset(request: CreateSessionByAssetInput): Promise<CreateSessionResponse> {
    return this.call(SESSION_PATHS.createsessionbyasset, request);
  }

  statSession(sessionId: string): Promise<StatSessionResponse> {
    return this.call(SESSION_PATHS.statsession, { SessionId: sessionId });
  }

  /** Arms a ready session; drive commands are refused until this succeeded (spec §3.5). */
  startSession(sessionId: string): Promise<ReqIdResponse> {
    return this.call(SESSION_PATHS.startsession, { SessionId: sessionId });
  }

  closeSession(sessionId: string): Promise<ReqIdResponse> {
    return this.call(SESSION_PATHS.closesession, { SessionId: sessionId });
  }

  /** Every live session of the account (`listsessionofuin`). */
  listSessions(): Promise<ListSessionsResponse> {
    return this.call(SESSION_PATHS.listsessionofuin, {});
  }

  listSessionsOfProject(projectId: string): Promise<ListSessionsResponse> {
    return this.call(SESSION_PATHS.listsessionofprojectid, { VirtualmanProjectId: projectId });
  }

  listSessionsOfAsset(assetKey: string): Promise<ListSessionsResponse> {
    return this.call(SESSION_PATHS.listsessionofassetvk, { AssetVirtualmanKey: assetKey });
  }

  /** The project's interaction config (opening line, marquee texts), as the Web SDK demo asks for (spec §9.2). */
  describeActionConfig(projectId: string, reply = ''): Promise<DescribeActionConfigResponse> {
    return this.call(CONFIG_PATHS.describeactionconfigcommanddetail, {
      VirtualmanKey: projectId,
      Type: 'command',
      Reply: reply,
    });
  }

  /** Polls `statsession` until the session is ready; see `WaitUntilReadyOptions` for the defaults. */
  waitUntilReady(sessionId: string, options?: WaitUntilReadyOptions): Promise<StatSessionResponse> {
    return waitUntilReady(sessionId, (id) => this.statSession(id), options);
  }
}
