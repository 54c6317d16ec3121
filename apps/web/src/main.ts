import {
  IvhError,
  attachAvatarPlayer,
  type AvatarPlayer,
  type AvatarPlayerOptions,
  type PlayerEvent,
} from '@dhuman/client';
import { DemoApi, describeError, type AvatarInfo, type Credential, type ProjectInfo } from './api.js';
import { ConversationControls } from './conversation-controls.js';
import type { Conversation } from './conversation.js';
import { CredentialStore } from './credential-store.js';
import { busy, byId, setOptions, showError } from './dom.js';
import { abbreviateKey, describeExpiry } from './format.js';
import { LatencyStats, formatMs } from './latency.js';
import { startPlaceholder } from './placeholder.js';
import { ServerStream, type ServerStreamState } from './server-stream.js';
import { StatusLog, describeEvent } from './status-log.js';
import { streamFragments } from './text-stream.js';
import type { VoiceInput } from './voice-input.js';

declare global {
  interface Window {
    /** Set once connected, for tests and for poking around in the console. */
    dhumanDemo?: {
      player: AvatarPlayer;
      serverStream: ServerStream;
      voiceInput: VoiceInput;
      conversation: Conversation;
    };
  }
}

/** Pause between streamed fragments: roughly the pace at which a chat model emits a few words. */
const STREAM_FRAGMENT_GAP_MS = 120;
/** How often the credential's "expires in" text is refreshed. */
const EXPIRY_REFRESH_MS = 20_000;

const ui = {
  connection: byId('connection', HTMLElement),
  stageFrame: byId('stage-frame', HTMLElement),
  canvas: byId('avatar', HTMLCanvasElement),
  subtitle: byId('subtitle', HTMLElement),
  speakingBadge: byId('speaking-badge', HTMLElement),
  stageViews: byId('stage-views', HTMLElement),
  serverView: byId('server-view', HTMLElement),
  serverVideo: byId('server-video', HTMLVideoElement),
  serverStatus: byId('server-status', HTMLElement),
  serverStream: byId('server-stream', HTMLInputElement),
  serverHint: byId('server-hint', HTMLElement),
  credentialForm: byId('credential-form', HTMLFormElement),
  credentialSummary: byId('credential-summary', HTMLElement),
  summaryAppkey: byId('summary-appkey', HTMLElement),
  summaryExpiry: byId('summary-expiry', HTMLElement),
  appkey: byId('appkey', HTMLInputElement),
  accesstoken: byId('accesstoken', HTMLInputElement),
  remember: byId('remember', HTMLInputElement),
  useDev: byId('use-dev', HTMLButtonElement),
  connect: byId('connect', HTMLButtonElement),
  disconnect: byId('disconnect', HTMLButtonElement),
  credentialNote: byId('credential-note', HTMLElement),
  credentialError: byId('credential-error', HTMLElement),
  project: byId('project', HTMLSelectElement),
  avatarKey: byId('avatar-key', HTMLSelectElement),
  sessionError: byId('session-error', HTMLElement),
  speakForm: byId('speak-form', HTMLFormElement),
  text: byId('text', HTMLTextAreaElement),
  ssml: byId('ssml', HTMLInputElement),
  ask: byId('ask', HTMLInputElement),
  stream: byId('stream', HTMLInputElement),
  speak: byId('speak', HTMLButtonElement),
  interrupt: byId('interrupt', HTMLButtonElement),
  speakError: byId('speak-error', HTMLElement),
  latencyLast: byId('latency-last', HTMLElement),
  latencyMedian: byId('latency-median', HTMLElement),
  latencyCount: byId('latency-count', HTMLElement),
  log: byId('log', HTMLOListElement),
  conversation: byId('conversation', HTMLElement),
  mic: byId('mic', HTMLButtonElement),
  micStatus: byId('mic-status', HTMLElement),
  micError: byId('mic-error', HTMLElement),
  transcript: byId('transcript', HTMLElement),
  history: byId('conversation-history', HTMLOListElement),
  clearHistory: byId('clear-history', HTMLButtonElement),
  assistantHint: byId('assistant-hint', HTMLElement),
  useAssistant: byId('use-assistant', HTMLButtonElement),
};

const api = new DemoApi(location.origin);
const store = new CredentialStore(safeSessionStorage());
const log = new StatusLog(ui.log);
const latency = new LatencyStats();
const serverStream = new ServerStream(ui.serverVideo, location.origin, {
  state: showServerStream,
  log: (kind, detail) => log.add({ kind, label: 'server stream', detail }),
  event: (event) => conversation.serverEvent(event),
});
const conversation = new ConversationControls(ui, {
  serverStream,
  log,
  credential: () => credential,
  attached: () => player !== undefined,
  audioContext: () => audioContext,
  attach,
  toggleServerStream,
});

let credential: Credential | undefined;
/** Unix seconds at which the credential in the form stops working, when it is a temporary one. */
let expiresAt: number | undefined;
let player: AvatarPlayer | undefined;
let unsubscribe: (() => void) | undefined;
let stopPlaceholder: (() => void) | undefined = startPlaceholder(ui.canvas);
/** Bumped by every attach/detach, so a slow attach that lost the race closes its own player. */
let generation = 0;
/** Bumped by every interrupt, so a text being streamed stops pushing fragments. */
let streamGeneration = 0;
let audioContext: AudioContext | undefined;
const speaking = new Set<string>();
/** Whole texts of the streams in flight by ReqId: the player's `sent` event carries only the first fragment. */
const streamed = new Map<string, string>();

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function setConnection(state: 'offline' | 'connecting' | 'online', text: string): void {
  ui.connection.dataset.state = state;
  ui.connection.textContent = text;
  ui.stageFrame.dataset.state = state;
}

function refreshExpiry(): void {
  const text =
    expiresAt === undefined ? '' : `Temporary credential, ${describeExpiry(expiresAt, Date.now())}.`;
  ui.credentialNote.textContent = text;
  ui.summaryExpiry.textContent = text;
}

function readCredential(): Credential | undefined {
  const appkey = ui.appkey.value.trim();
  const accesstoken = ui.accesstoken.value.trim();
  if (!appkey || !accesstoken) return undefined;
  return { appkey, accesstoken };
}

// --- credential ---------------------------------------------------------------------------------------------

async function useDevCredential(): Promise<void> {
  showError(ui.credentialError, '');
  try {
    const token = await api.devToken();
    ui.appkey.value = token.AppKey;
    ui.accesstoken.value = token.AccessToken;
    expiresAt = token.ExpiresAt;
    refreshExpiry();
    ui.connect.focus();
  } catch (error) {
    // The server's message says why (turned off, not this machine, not a loopback Host); the way out is the same.
    const hint =
      error instanceof IvhError ? ' You can still connect with an AppKey and an access token.' : '';
    const message = describeError(error);
    showError(ui.credentialError, `${message}${hint}`);
  }
}

async function connect(): Promise<void> {
  showError(ui.credentialError, '');
  const candidate = readCredential();
  if (!candidate) {
    showError(ui.credentialError, 'Enter an AppKey and an access token, or use the dev credential.');
    (ui.appkey.value.trim() ? ui.accesstoken : ui.appkey).focus();
    return;
  }
  // Created inside the click, so the browser lets it play sound without a further gesture.
  audioContext ??= new AudioContext();
  setConnection('connecting', 'Connecting…');
  let projects: ProjectInfo[];
  try {
    projects = await api.listProjects(candidate);
  } catch (error) {
    setConnection('offline', 'Not connected');
    showError(ui.credentialError, describeError(error));
    return;
  }
  if (projects.length === 0) {
    setConnection('offline', 'Not connected');
    showError(ui.credentialError, 'This credential has no project to speak with. Create one first.');
    return;
  }
  credential = candidate;
  if (ui.remember.checked) store.save({ ...candidate, ...(expiresAt !== undefined && { expiresAt }) });
  else store.clear();

  setOptions(
    ui.project,
    projects.map((p) => ({ value: p.ProjectId, label: p.Name ? `${p.Name} (${p.ProjectId})` : p.ProjectId })),
  );
  ui.project.disabled = false;
  conversation.updateAssistantHint();
  ui.summaryAppkey.textContent = abbreviateKey(candidate.appkey);
  ui.summaryAppkey.title = candidate.appkey;
  ui.credentialForm.hidden = true;
  ui.credentialSummary.hidden = false;
  ui.disconnect.hidden = false;
  await loadAvatars(candidate);
  await attach();
}

async function loadAvatars(current: Credential): Promise<void> {
  let avatars: AvatarInfo[] = [];
  try {
    avatars = await api.listAvatars(current);
  } catch {
    // The picker is an extra: without the list the project's own avatar is used.
  }
  setOptions(ui.avatarKey, [
    { value: '', label: 'Project default' },
    ...avatars.map((a) => ({ value: a.AvatarKey, label: a.Name || a.AvatarKey })),
  ]);
  ui.avatarKey.disabled = avatars.length === 0;
}

function disconnect(): void {
  generation++;
  detach();
  credential = undefined;
  setOptions(ui.project, [{ value: '', label: 'Connect first' }]);
  setOptions(ui.avatarKey, [{ value: '', label: 'Project default' }]);
  ui.project.disabled = true;
  ui.avatarKey.disabled = true;
  conversation.updateAssistantHint();
  ui.credentialForm.hidden = false;
  ui.credentialSummary.hidden = true;
  ui.disconnect.hidden = true;
  showError(ui.sessionError, '');
  setConnection('offline', 'Not connected');
  stopPlaceholder ??= startPlaceholder(ui.canvas);
}

// --- player -------------------------------------------------------------------------------------------------

function detach(): void {
  unsubscribe?.();
  unsubscribe = undefined;
  streamGeneration++;
  player?.close();
  player = undefined;
  conversation.leaveConversation();
  serverStream.stop();
  delete window.dhumanDemo;
  speaking.clear();
  streamed.clear();
  ui.speakingBadge.hidden = true;
  ui.subtitle.replaceChildren();
  ui.speak.disabled = true;
  ui.interrupt.disabled = true;
  ui.mic.disabled = true;
  conversation.renderMic();
}

/** (Re)attaches the player for the selected project and look; switching either calls this again. */
async function attach(): Promise<void> {
  const current = credential;
  if (!current || !audioContext) return;
  const mine = ++generation;
  detach();
  showError(ui.sessionError, '');
  setConnection('connecting', 'Connecting…');
  const projectId = ui.project.value;
  try {
    const options: AvatarPlayerOptions = {
      baseUrl: location.origin,
      appkey: current.appkey,
      accesstoken: current.accesstoken,
      projectId,
      subtitles: ui.subtitle,
      language: 'en-US',
      audioContext,
    };
    const avatarKey = ui.avatarKey.value;
    if (avatarKey) {
      // Passed on as JSON: the player validates a given manifest (parseAvatarManifest) before drawing it.
      options.avatar = (await api.getAvatar(current, avatarKey)) as AvatarPlayerOptions['avatar'];
    }
    const attached = await attachAvatarPlayer(ui.canvas, options);
    if (mine !== generation) {
      attached.close();
      return;
    }
    stopPlaceholder?.();
    stopPlaceholder = undefined;
    player = attached;
    unsubscribe = attached.on(onPlayerEvent);
    window.dhumanDemo = {
      player: attached,
      serverStream,
      voiceInput: conversation.voiceInput,
      conversation: conversation.conversation,
    };
    ui.speak.disabled = false;
    ui.interrupt.disabled = false;
    ui.mic.disabled = false;
    conversation.renderMic();
    const projectName = ui.project.selectedOptions[0]?.textContent ?? projectId;
    ui.canvas.setAttribute('aria-label', `Avatar of ${projectName}`);
    setConnection('online', 'Connected');
    if (ui.serverStream.checked) void serverStream.start(current, projectId);
  } catch (error) {
    if (mine !== generation) return;
    setConnection('offline', 'Not connected');
    showError(ui.sessionError, describeError(error));
    stopPlaceholder ??= startPlaceholder(ui.canvas);
  }
}

// --- server stream ------------------------------------------------------------------------------------------

/** The switch turned: show or hide the panel, and start or stop the stream if a player is attached. */
function toggleServerStream(): void {
  const on = ui.serverStream.checked;
  ui.serverView.hidden = !on;
  ui.stageViews.dataset.server = on ? 'on' : 'off';
  if (!on) {
    // The conversation lives in the server session: without it there is no one to answer.
    conversation.leaveConversation();
    serverStream.stop();
  } else if (player && credential) void serverStream.start(credential, ui.project.value);
  else showServerStream('off', '');
}

function showServerStream(state: ServerStreamState, text: string): void {
  ui.serverView.dataset.state = state;
  const idle = player ? 'Off' : 'Connect first: the stream starts with the avatar.';
  ui.serverStatus.textContent = state === 'off' ? idle : text;
}

function onPlayerEvent(event: PlayerEvent): void {
  const line = describeEvent(event, streamed.get(event.reqId));
  if (line) log.add(line);
  switch (event.type) {
    case 'speaking':
      latency.add(event.ms);
      renderLatency();
      speaking.add(event.reqId);
      break;
    case 'ended':
    case 'interrupted':
      speaking.delete(event.reqId);
      streamed.delete(event.reqId);
      break;
    case 'error':
      speaking.delete(event.reqId);
      streamed.delete(event.reqId);
      showError(ui.speakError, `Error ${event.code}: ${event.message}`);
      break;
    default:
      break;
  }
  ui.speakingBadge.hidden = speaking.size === 0;
}

function renderLatency(): void {
  ui.latencyLast.textContent = formatMs(latency.last);
  ui.latencyMedian.textContent = formatMs(latency.median);
  ui.latencyCount.textContent = String(latency.count);
}

function speak(): void {
  showError(ui.speakError, '');
  const text = ui.text.value.trim();
  if (!player) return;
  if (!text) {
    showError(ui.speakError, 'Type something for the avatar to say first.');
    ui.text.focus();
    return;
  }
  if (ui.ask.checked) {
    void conversation.askQuestion(text);
    return;
  }
  if (serverStream.audible) {
    // In a conversation the server stream has the sound; the canvas speaking too would double every word.
    serverStream.say(text);
    return;
  }
  try {
    if (ui.stream.checked && !ui.ssml.checked) void streamText(player, text);
    else player.speak(text, { ssml: ui.ssml.checked });
    // Whole, even when the canvas gets it streamed: the server session only has to show the same speech.
    serverStream.say(text);
  } catch (error) {
    showError(ui.speakError, describeError(error));
  }
}

/** Sends `text` a few words at a time over STREAM_TEXT, as a chat model's reply would arrive. */
async function streamText(target: AvatarPlayer, text: string): Promise<void> {
  const mine = streamGeneration;
  try {
    const stream = target.stream();
    streamed.set(stream.utterance.reqId, text);
    for (const fragment of streamFragments(text)) {
      if (mine !== streamGeneration) return;
      stream.push(fragment);
      await new Promise((resolve) => setTimeout(resolve, STREAM_FRAGMENT_GAP_MS));
    }
    if (mine === streamGeneration) stream.end();
  } catch (error) {
    if (mine === streamGeneration) showError(ui.speakError, describeError(error));
  }
}

function interrupt(): void {
  streamGeneration++;
  player?.interrupt();
  serverStream.interrupt();
}

// --- wiring -------------------------------------------------------------------------------------------------

const remembered = store.load();
if (remembered) {
  ui.appkey.value = remembered.appkey;
  ui.accesstoken.value = remembered.accesstoken;
  ui.remember.checked = true;
  expiresAt = remembered.expiresAt;
  refreshExpiry();
}
setInterval(refreshExpiry, EXPIRY_REFRESH_MS);

ui.useDev.addEventListener('click', () => void busy(ui.useDev, useDevCredential));
ui.credentialForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void busy(ui.connect, connect);
});
ui.disconnect.addEventListener('click', disconnect);
// Saved on connecting when ticked; unticking forgets at once.
ui.remember.addEventListener('change', () => {
  if (!ui.remember.checked) store.clear();
});
for (const input of [ui.appkey, ui.accesstoken]) {
  // A typed credential is not the temporary one any more.
  input.addEventListener('input', () => {
    expiresAt = undefined;
    refreshExpiry();
  });
}
ui.project.addEventListener('change', () => {
  conversation.updateAssistantHint();
  void attach();
});
ui.avatarKey.addEventListener('change', () => void attach());
ui.serverStream.addEventListener('change', toggleServerStream);
// A browser may restore the box ticked on reload; the panel follows it from the start.
toggleServerStream();
// Closes the demo's server session and frees its stream rather than leaving both to time out.
addEventListener('pagehide', () => {
  conversation.voiceInput.stop();
  serverStream.stop();
});

ui.speakForm.addEventListener('submit', (event) => {
  event.preventDefault();
  speak();
});
ui.interrupt.addEventListener('click', interrupt);
ui.ssml.addEventListener('change', () => conversation.syncSpeakOptions());
ui.ask.addEventListener('change', () => conversation.syncSpeakOptions());
conversation.syncSpeakOptions();
ui.mic.addEventListener('click', () => void conversation.toggleMic());
ui.useAssistant.addEventListener('click', () => conversation.useAssistant());
ui.clearHistory.addEventListener('click', () => conversation.clearHistory());
conversation.renderMic();
ui.text.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || event.isComposing || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (event.ctrlKey || event.metaKey) {
    ui.text.setRangeText('\n', ui.text.selectionStart, ui.text.selectionEnd, 'end');
    ui.text.dispatchEvent(new Event('input', { bubbles: true }));
  } else {
    ui.speakForm.requestSubmit();
  }
});
