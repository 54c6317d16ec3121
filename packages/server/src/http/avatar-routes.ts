import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProjectStore } from '@dhuman/core';
import { ERRORS, IvhError } from '@dhuman/protocol';
import type { KnownAvatar } from '../avatars/avatar-folders.js';
import type { AvatarRegistry } from '../avatars/avatar-registry.js';
import { DEFAULT_VOICE } from '../bootstrap.js';
import { signedRoute } from './envelope.js';

export const AVATARS_PATH = '/dhuman/avatars';

/**
 * An upload's body limit. A manifest holds at most 256 K characters of path data (AVATAR_LIMITS) plus at most
 * 200 layers of small fields, which stays well under this.
 */
export const AVATAR_BODY_LIMIT_BYTES = 512 * 1024;

const putSchema = z.looseObject({ Avatar: z.unknown() });

function keyParam(request: FastifyRequest): string {
  return (request.params as { key?: string }).key ?? '';
}

function summary(avatar: KnownAvatar) {
  return {
    AvatarKey: avatar.key,
    Name: avatar.manifest.name,
    Builtin: avatar.source === 'builtin',
    DefaultVoice: avatar.manifest.defaultVoice ?? DEFAULT_VOICE,
  };
}

/**
 * `/dhuman/avatars`: the avatars an appkey may draw (built-in, the operator's, its own uploads), one manifest,
 * and uploading or deleting the appkey's own. Signed like IVH routes; an upload is visible to its appkey only.
 */
export function registerAvatarRoutes(
  app: FastifyInstance,
  options: { avatars: AvatarRegistry; projects: ProjectStore },
): void {
  const { avatars, projects } = options;

  signedRoute(app, 'GET', AVATARS_PATH, {}, (_payload, { caller }) => ({
    Avatars: avatars.list(caller.appkey).map(summary),
  }));

  signedRoute(app, 'GET', `${AVATARS_PATH}/:key`, {}, (_payload, { caller, request }) => {
    const avatar = avatars.require(caller.appkey, keyParam(request));
    return { AvatarKey: avatar.key, Avatar: avatar.manifest };
  });

  signedRoute(
    app,
    'PUT',
    `${AVATARS_PATH}/:key`,
    { schema: putSchema, bodyLimit: AVATAR_BODY_LIMIT_BYTES },
    (payload, { caller, request }) => {
      if (payload?.Avatar === undefined) {
        throw new IvhError(ERRORS.INVALID_PARAMETER, 'Payload.Avatar (the avatar.json manifest) is required');
      }
      const stored = avatars.upload(
        caller.appkey,
        keyParam(request),
        payload.Avatar,
        (key) => projects.getAsset(key) !== undefined,
      );
      return { AvatarKey: stored.key, Avatar: stored.manifest };
    },
  );

  signedRoute(app, 'DELETE', `${AVATARS_PATH}/:key`, {}, (_payload, { caller, request }) => {
    const key = keyParam(request);
    avatars.remove(caller.appkey, key);
    return { AvatarKey: key };
  });
}
