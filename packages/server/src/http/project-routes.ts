import type { FastifyInstance, FastifyRequest } from 'fastify';
import { projectVisibleTo, type Project, type ProjectStore, type StreamSettings } from '@dhuman/core';
import { ERRORS, IvhError } from '@dhuman/protocol';
import type { ServerAssetCatalog } from '../avatars/asset-catalog.js';
import { signedRoute } from './envelope.js';

export const PROJECTS_PATH = '/dhuman/projects';

/** A project's stream settings as the API spells them. */
function streamField(stream: StreamSettings) {
  return { Width: stream.width, Height: stream.height, Fps: stream.fps, PlayAddress: stream.playAddress };
}

/**
 * `/dhuman/projects`: the projects an appkey may use (shared ones and its own), each with the key of the avatar
 * it draws and its stream settings, and one project with that avatar's manifest, which is what a browser player
 * needs to draw it.
 */
export function registerProjectRoutes(
  app: FastifyInstance,
  options: { projects: ProjectStore; assets: ServerAssetCatalog },
): void {
  const { projects, assets } = options;

  /** The avatar key a project draws; its asset key as stored when that no longer resolves. */
  const avatarKeyOf = (appkey: string, project: Project) =>
    assets.findAsset(appkey, project.avatar)?.model ?? project.avatar;

  signedRoute(app, 'GET', PROJECTS_PATH, {}, (_payload, { caller }) => ({
    Projects: projects
      .listProjects()
      .filter((p) => projectVisibleTo(p, caller.appkey))
      .map((p) => ({
        ProjectId: p.projectId,
        Name: p.name,
        AvatarKey: avatarKeyOf(caller.appkey, p),
        Voice: p.voice,
        Stream: streamField(p.stream),
        Dialogue: p.dialogue?.engine ?? 'none',
      })),
  }));

  signedRoute(app, 'GET', `${PROJECTS_PATH}/:projectId`, {}, (_payload, { caller, request }) => {
    const projectId = (request as FastifyRequest<{ Params: { projectId?: string } }>).params.projectId ?? '';
    const project = projects.getProject(projectId);
    if (!project || !projectVisibleTo(project, caller.appkey)) {
      throw new IvhError(
        ERRORS.INVALID_PARAMETER,
        `project "${projectId.slice(0, 128)}" does not exist for this appkey (see GET ${PROJECTS_PATH})`,
      );
    }
    const avatar = assets.avatarOfAsset(caller.appkey, project.avatar);
    if (!avatar) {
      throw new IvhError(
        ERRORS.AVATAR_LOAD_FAILED,
        `the avatar of project "${project.projectId}" (asset "${project.avatar}") is not available on this server`,
      );
    }
    return {
      ProjectId: project.projectId,
      Name: project.name,
      AvatarKey: avatar.key,
      Voice: project.voice,
      Stream: streamField(project.stream),
      // Only the kind: a file path or an endpoint is the operator's business, not a visitor's.
      Dialogue: project.dialogue?.engine ?? 'none',
      Avatar: avatar.manifest,
    };
  });
}
