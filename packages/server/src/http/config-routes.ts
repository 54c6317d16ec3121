import type { FastifyInstance } from 'fastify';
import type { Project, SessionManager } from '@dhuman/core';
import {
  CONFIG_PATHS,
  describeActionConfigRequestSchema,
  ERRORS,
  IvhError,
  type InteractContents,
} from '@dhuman/protocol';
import { ivhRoute } from './envelope.js';

/**
 * `describeactionconfigcommanddetail` (spec §9.2): the Web SDK demo calls it right after createsession and dies
 * if it fails. It answers the project's opening line as `InteractContent`, a JSON string whose `contents`
 * member is itself a JSON string (`InteractContents`, keyed as Tencent's demo reads it); `""` when the project
 * has none.
 */
export function registerConfigRoutes(app: FastifyInstance, manager: SessionManager): void {
  ivhRoute(
    app,
    CONFIG_PATHS.describeactionconfigcommanddetail,
    describeActionConfigRequestSchema,
    (payload, { caller }) => {
      if (!payload.VirtualmanKey) {
        throw new IvhError(ERRORS.INVALID_PARAMETER, 'Payload.VirtualmanKey (the project id) is required');
      }
      const project = manager.visibleProject(caller.appkey, payload.VirtualmanKey, 'VirtualmanKey');
      return {
        InteractContent: project.openingLine
          ? JSON.stringify({ contents: JSON.stringify(interactContents(project)) })
          : '',
      };
    },
  );
}

/**
 * What the demo finds under `contents`. Projects have no marquee yet, so `跑马灯` is left out rather than sent
 * empty: the server-render demo started with `autoMarquee` speaks the marquee's title instead of the opening
 * line whenever `跑马灯` is present. `跑马灯话术` is always an array (the demo calls `.includes` on it).
 */
export function interactContents(project: Pick<Project, 'openingLine'>): InteractContents {
  return { 开场白: project.openingLine, 跑马灯话术: [] };
}
