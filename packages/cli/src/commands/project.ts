import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  describeDialogueSettings,
  describeStream,
  parseDialogueSettings,
  parseStreamSettings,
  STREAM_RESOLUTIONS,
  type DialogueSettings,
} from '@dhuman/core';
import { FaqDialogue } from '@dhuman/speech';
import { DEFAULT_VOICE, DEMO_ASSET, loadSharedAvatars } from '@dhuman/server';
import { dataDirOf, withStore } from '../local-store.js';
import { printTable } from '../table.js';

interface ProjectCreateFlags {
  name?: string;
  avatar: string;
  voice: string;
  openingLine: string;
  appkey?: string;
  sessionIdleSec?: string;
  channelIdleSec?: string;
  resolution?: string;
  fps?: string;
  playAddress?: string;
  faq?: string;
  llm?: boolean;
  llmUrl?: string;
  llmModel?: string;
  systemPrompt?: string;
  dataDir?: string;
}

/**
 * The dialogue engine the flags ask for: `--faq` (the file is loaded and checked now, so a mistake shows at once)
 * or `--llm` (URL and model default to DHUMAN_LLM_URL / DHUMAN_LLM_MODEL when the server runs; the key is only
 * ever taken from DHUMAN_LLM_KEY, never from a flag that would end up in shell history).
 */
async function dialogueOf(flags: ProjectCreateFlags): Promise<DialogueSettings | undefined> {
  const wantsLlm = flags.llm === true || flags.llmUrl !== undefined || flags.llmModel !== undefined;
  if (flags.faq !== undefined && wantsLlm) throw new Error('choose one dialogue engine: --faq or --llm');
  if (flags.systemPrompt !== undefined && !wantsLlm) throw new Error('--system-prompt needs --llm');
  if (flags.faq !== undefined) {
    const file = resolve(flags.faq);
    await FaqDialogue.fromFile(file);
    return parseDialogueSettings({ engine: 'faq', file });
  }
  if (!wantsLlm) return undefined;
  return parseDialogueSettings({
    engine: 'llm',
    url: flags.llmUrl,
    model: flags.llmModel,
    systemPrompt: flags.systemPrompt,
  });
}

/** A whole number of seconds in range, or null when the flag was not given. */
function seconds(value: string | undefined, flag: string, min: number, max: number): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag} must be whole seconds from ${min} to ${max}`);
  return n;
}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Stream settings errors name the flag that was wrong. */
const STREAM_FLAGS = { resolution: '--resolution', fps: '--fps', playAddress: '--play-address' };
const RESOLUTION_NAMES = Object.keys(STREAM_RESOLUTIONS).join('|');

export function registerProject(program: Command): void {
  const project = program
    .command('project')
    .description('manage projects (avatar + voice bindings used by createsession)');

  project
    .command('create <projectId>')
    .description('create a project; its id is the VirtualmanProjectId clients send')
    .option('--name <name>', 'a label for people')
    .option(
      '--avatar <key>',
      'an asset (demo, ava, leo, …), an avatar in <data dir>/avatars/, or one uploaded by --appkey',
      DEMO_ASSET,
    )
    .option('--voice <timbreKey>', 'voice', DEFAULT_VOICE)
    .option('--opening-line <text>', 'first line, answered by describeactionconfigcommanddetail', '')
    .option('--appkey <appkey>', 'only this appkey may use it (default: every appkey)')
    .option(
      '--session-idle-sec <s>',
      'close its sessions after this long without drive or heartbeat (default 600)',
    )
    .option('--channel-idle-sec <s>', 'close command channels after this long without a frame (default 180)')
    .option(
      `--resolution <${RESOLUTION_NAMES}|WxH>`,
      'stream size: 512 (512x512, default), 720 (720x720), 720p (1280x720) or even WxH up to 1280x720 pixels',
    )
    .option('--fps <n>', 'stream frame rate, 10 to 30 (default 25)')
    .option(
      '--play-address <page|hls|rtmp>',
      'what PlayStreamAddr names: the player page (default), the .m3u8 address, or an rtmp:// address',
    )
    .option(
      '--faq <file>',
      'answer questions from this knowledge file (YAML or JSON), with the built-in FAQ engine',
    )
    .option(
      '--llm',
      'answer questions with an OpenAI-compatible LLM (DHUMAN_LLM_URL, DHUMAN_LLM_MODEL, DHUMAN_LLM_KEY)',
    )
    .option(
      '--llm-url <url>',
      'the LLM API base for this project, e.g. http://127.0.0.1:11434/v1 (implies --llm)',
    )
    .option('--llm-model <name>', 'the model for this project (implies --llm)')
    .option('--system-prompt <text>', "the LLM's system prompt for this project")
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action(async (projectId: string, flags: ProjectCreateFlags) => {
      if (!PROJECT_ID.test(projectId)) throw new Error('project id: 1-128 letters, digits, "_" or "-"');
      const sessionIdleSec = seconds(flags.sessionIdleSec, '--session-idle-sec', 10, 7 * 86400);
      const channelIdleSec = seconds(flags.channelIdleSec, '--channel-idle-sec', 5, 86400);
      const stream = parseStreamSettings(
        { resolution: flags.resolution, fps: flags.fps, playAddress: flags.playAddress },
        STREAM_FLAGS,
      );
      const dialogue = await dialogueOf(flags);
      // Built-in and data-dir avatars are usable under their own key, as the server resolves them.
      const shared = await loadSharedAvatars(dataDirOf(flags.dataDir));
      withStore(flags.dataDir, (store) => {
        if (store.getProject(projectId)) throw new Error(`project ${projectId} already exists`);
        if (flags.appkey && !store.getCredential(flags.appkey))
          throw new Error(`unknown appkey ${flags.appkey}`);
        const known =
          store.getAsset(flags.avatar) !== undefined ||
          shared.avatars.some((a) => a.key === flags.avatar) ||
          (flags.appkey !== undefined && store.getUploadedAvatar(flags.appkey, flags.avatar) !== undefined);
        if (!known) {
          const keys = shared.avatars.map((a) => a.key).join(', ');
          throw new Error(`avatar ${flags.avatar} does not exist (assets and avatars: demo, ${keys})`);
        }
        store.createProject({
          projectId,
          name: flags.name ?? projectId,
          appkey: flags.appkey ?? null,
          avatar: flags.avatar,
          voice: flags.voice,
          openingLine: flags.openingLine,
          createdAt: Date.now(),
          sessionIdleSec,
          channelIdleSec,
          stream,
          ...(dialogue && { dialogue }),
        });
      });
      process.stdout.write(`created project ${projectId}\n`);
    });

  project
    .command('list')
    .description('list projects')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((flags: { dataDir?: string }) => {
      const rows = withStore(flags.dataDir, (store) => store.listProjects()).map((p) => ({
        projectId: p.projectId,
        name: p.name,
        avatar: p.avatar,
        voice: p.voice,
        appkey: p.appkey ?? '(all)',
        stream: describeStream(p.stream),
        playAddress: p.stream.playAddress,
        dialogue: p.dialogue?.engine ?? 'none',
      }));
      printTable(rows);
    });

  project
    .command('show <projectId>')
    .description('show one project as JSON')
    .option('--data-dir <dir>', 'data dir (DHUMAN_DATA_DIR, default ./data)')
    .action((projectId: string, flags: { dataDir?: string }) => {
      const found = withStore(flags.dataDir, (store) => store.getProject(projectId));
      if (!found) throw new Error(`no project ${projectId}`);
      // An LLM key set for the project is never printed.
      const shown = { ...found, dialogue: describeDialogueSettings(found.dialogue) };
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    });
}
