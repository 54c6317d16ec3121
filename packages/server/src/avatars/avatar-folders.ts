import { join } from 'node:path';
import type { AvatarManifest } from '@dhuman/avatar';
import { builtinAvatarDir, loadAvatarDir } from '@dhuman/avatar/node';

/** Avatar keys as folder names and URL path segments. */
export const AVATAR_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** Where an avatar comes from: shipped with dhuman, dropped in `<dataDir>/avatars/` by the operator, or uploaded. */
export type AvatarSource = 'builtin' | 'data-dir' | 'uploaded';

export interface KnownAvatar {
  key: string;
  manifest: AvatarManifest;
  source: AvatarSource;
}

/** A folder that was skipped at start, and why. */
export interface AvatarFolderProblem {
  dir: string;
  message: string;
}

export function avatarsDirOf(dataDir: string): string {
  return join(dataDir, 'avatars');
}

/**
 * Reads every `<dir>/<key>/avatar.json`. A folder with a missing or invalid manifest, or whose manifest `key` is
 * not the folder name, is reported and skipped; a missing `dir` has no avatars.
 */
async function scanAvatarFolders(
  dir: string,
  source: AvatarSource,
): Promise<{ avatars: KnownAvatar[]; problems: AvatarFolderProblem[] }> {
  try {
    const { manifests, errors } = await loadAvatarDir(dir);
    return {
      avatars: manifests.map((manifest) => ({ key: manifest.key, manifest, source })),
      problems: errors,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { avatars: [], problems: [] };
    return {
      avatars: [],
      problems: [{ dir, message: error instanceof Error ? error.message : String(error) }],
    };
  }
}

/**
 * Loads the avatars every appkey may use: the built-in ones, then the operator's in `<dataDir>/avatars/`. A
 * data-dir folder named like a built-in avatar is skipped (reported), so a built-in key always means the same.
 */
export async function loadSharedAvatars(
  dataDir: string,
  builtinDir = builtinAvatarDir(),
): Promise<{ avatars: KnownAvatar[]; problems: AvatarFolderProblem[] }> {
  const builtin = await scanAvatarFolders(builtinDir, 'builtin');
  const local = await scanAvatarFolders(avatarsDirOf(dataDir), 'data-dir');
  const taken = new Set(builtin.avatars.map((a) => a.key));
  const problems = [...builtin.problems, ...local.problems];
  const avatars = [...builtin.avatars];
  for (const avatar of local.avatars) {
    if (taken.has(avatar.key)) {
      problems.push({
        dir: join(avatarsDirOf(dataDir), avatar.key),
        message: `"${avatar.key}" is a built-in avatar; rename the folder (and the key in its avatar.json)`,
      });
      continue;
    }
    avatars.push(avatar);
  }
  return { avatars, problems };
}
