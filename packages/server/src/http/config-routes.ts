import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '@dhuman/core';
import { CONFIG_PATHS, describeActionConfigRequestSchema, ERRORS, IvhError } from '@dhuman/protocol';
import { ivhRoute } from './envelope.js';

/**
 * `describeactionconfigcommanddetail` (spec §9.2): the Web SDK demo calls it right after createsession and dies
 * if it fails. It answers the project's opening line as `InteractContent`, a JSON string whose `contents`
 * member is itself a JSON string; `""` when the project has none.
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
      const contents = { OpeningLine: project.openingLine, MarqueeTexts: [] as string[] };
      return {
        InteractContent: project.openingLine ? JSON.stringify({ contents: JSON.stringify(contents) }) : '',
      };
    },
  );
}
