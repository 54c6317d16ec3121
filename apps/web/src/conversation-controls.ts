import { CommandChannelClosedError, EVENT_TYPE, newReqId, type DriveEventPayload } from '@dhuman/client';
import { describeError, type Credential } from './api.js';
import { ConversationView } from './conversation-view.js';
import { Conversation, type Change } from './conversation.js';
import { showError } from './dom.js';
import { truncate } from './format.js';
import type { ServerSession, ServerStream } from './server-stream.js';
import type { StatusLog } from './status-log.js';
import { VoiceInput } from './voice-input.js';

/** The built-in project whose FAQ answers questions; other projects may have no dialogue engine. */
const ASSISTANT_PROJECT = 'assistant';
const SERVER_HINT_MUTED = 'Muted: the canvas beside it already plays the sound.';
const SERVER_HINT_AUDIBLE = "With sound: the conversation's answers are spoken here.";

/**
 * What the status line says in each state. The button's own label stays "Talk": it is a toggle, and
 * `aria-pressed` says whether it is on (a label that changed too would contradict it for screen readers).
 */
const MIC_STATUS: Record<string, string> = {
  off: 'Press the microphone and ask a question.',
  connecting: 'Starting the session and the microphone…',
  listening: 'Listening. Ask a question.',
  hearing: 'Hearing you…',
  speaking: 'The avatar is answering. Speak to interrupt it.',
  error: 'Microphone off.',
};

/** The page's elements the conversation card works on, with the speak form's parts that its Ask box changes. */
export interface ConversationUi {
  readonly project: HTMLSelectElement;
  readonly serverStream: HTMLInputElement;
  readonly serverHint: HTMLElement;
  readonly conversation: HTMLElement;
  readonly mic: HTMLButtonElement;
  readonly micStatus: HTMLElement;
  readonly micError: HTMLElement;
  readonly transcript: HTMLElement;
  readonly history: HTMLOListElement;
  readonly clearHistory: HTMLButtonElement;
  readonly assistantHint: HTMLElement;
  readonly ask: HTMLInputElement;
  readonly ssml: HTMLInputElement;
  readonly stream: HTMLInputElement;
  readonly speak: HTMLButtonElement;
  readonly speakError: HTMLElement;
}

/** What the conversation needs from the rest of the page. */
export interface ConversationHost {
  readonly serverStream: ServerStream;
  readonly log: StatusLog;
  /** The credential connected with, or undefined while disconnected. */
  credential: () => Credential | undefined;
  /** Whether a player is attached to the canvas. */
  attached: () => boolean;
  /** The page's AudioContext, made in the Connect click. */
  audioContext: () => AudioContext | undefined;
  /** (Re)attaches the player for the selected project. */
  attach: () => Promise<void>;
  /** Follows the server stream switch after it was ticked here: shows the panel and starts the stream. */
  toggleServerStream: () => void;
}

/**
 * The demo page's conversation: the microphone button and its status, the history and live transcript, the
 * Ask box's questions, and the switch of the server stream to audible while a conversation is on.
 */
export class ConversationControls {
  /** The conversation's state (for tests and the console). */
  readonly conversation = new Conversation();
  /** The microphone (for tests and the console). */
  readonly voiceInput: VoiceInput;
  readonly #ui: ConversationUi;
  readonly #host: ConversationHost;
  readonly #view: ConversationView;
  /** Bumped by every press of the microphone button, so a slow start that was cancelled stops there. */
  #micGeneration = 0;
  /** The microphone button was pressed and its server session is being prepared. */
  #micPreparing = false;

  constructor(ui: ConversationUi, host: ConversationHost) {
    this.#ui = ui;
    this.#host = host;
    this.#view = new ConversationView(ui.history, ui.transcript);
    this.voiceInput = new VoiceInput({
      state: (state, message) => {
        if (state === 'error') showError(ui.micError, message);
        if (state === 'off' || state === 'error') this.conversation.microphoneOff();
        this.renderMic();
      },
      event: (event) => this.#onEvent(event),
      level: (level) => ui.mic.style.setProperty('--level', level.toFixed(3)),
      log: (kind, detail) => host.log.add({ kind, label: 'voice', detail }),
    });
  }

  /** An event of the server session's command channel. */
  serverEvent(event: DriveEventPayload): void {
    // While the microphone is on, voice events come over its own channel; the session log repeats them.
    const voiceEvent = event.Type === EVENT_TYPE.TRANSCRIPT || event.Type === EVENT_TYPE.VOICE_ACTIVITY;
    if (!(voiceEvent && this.voiceInput.active)) this.#onEvent(event);
  }

  updateAssistantHint(): void {
    const ui = this.#ui;
    const offered = Array.from(ui.project.options).some((option) => option.value === ASSISTANT_PROJECT);
    ui.assistantHint.hidden = !this.#host.credential() || !offered || ui.project.value === ASSISTANT_PROJECT;
  }

  useAssistant(): void {
    this.#ui.project.value = ASSISTANT_PROJECT;
    this.updateAssistantHint();
    void this.#host.attach();
    this.#ui.mic.focus();
  }

  /** Back to the canvas speaking and the server stream muted, without a microphone; the history is cleared. */
  leaveConversation(): void {
    this.#micGeneration++;
    this.#micPreparing = false;
    this.voiceInput.stop();
    this.#host.serverStream.setAudible(false);
    this.#ui.serverHint.textContent = SERVER_HINT_MUTED;
    this.conversation.clear();
    this.#view.clear();
    this.#ui.clearHistory.hidden = true;
    this.renderMic();
  }

  async toggleMic(): Promise<void> {
    const mine = ++this.#micGeneration;
    if (this.#micPreparing || this.voiceInput.active) {
      this.#micPreparing = false;
      this.voiceInput.stop();
      return;
    }
    showError(this.#ui.micError, '');
    this.#micPreparing = true;
    this.renderMic();
    const session = await this.#conversationSession(this.#ui.micError);
    if (mine !== this.#micGeneration) return;
    this.#micPreparing = false;
    if (!session) {
      this.renderMic();
      return;
    }
    await this.voiceInput.start(session, this.#host.audioContext());
  }

  renderMic(): void {
    const ui = this.#ui;
    const state = this.#micState();
    ui.conversation.dataset.state = state;
    ui.mic.setAttribute('aria-pressed', String(this.#micPreparing || this.voiceInput.active));
    ui.mic.setAttribute('aria-busy', String(state === 'connecting'));
    ui.micStatus.textContent = this.#host.attached()
      ? (MIC_STATUS[state] ?? '')
      : 'Connect first, then press the microphone and ask.';
    if (state !== 'error') showError(ui.micError, '');
  }

  clearHistory(): void {
    this.#render(this.conversation.clearHistory());
    this.#ui.mic.focus();
  }

  /** Sends `text` to the server session as a question; its answer shows in the conversation and is spoken there. */
  async askQuestion(text: string): Promise<void> {
    const session = await this.#conversationSession(this.#ui.speakError);
    if (!session) return;
    const reqId = newReqId();
    this.#render(this.conversation.ask(reqId, text));
    const { serverStream, log } = this.#host;
    log.add({ kind: 'sent', label: 'asked', detail: `“${truncate(text, 60)}”`, reqId });
    try {
      await serverStream.ask(text, reqId);
    } catch (error) {
      // A failed answer shows in the conversation (Type 9); a closed channel is the session ending, said elsewhere.
      if (!(error instanceof CommandChannelClosedError)) {
        log.add({ kind: 'error', label: 'question', detail: describeError(error), reqId });
      }
    }
  }

  /** Ask takes plain text to the dialogue engine: SSML and streaming are for text spoken as given. */
  syncSpeakOptions(): void {
    const ui = this.#ui;
    const asking = ui.ask.checked;
    if (asking) ui.ssml.checked = false;
    ui.ssml.disabled = asking;
    // STREAM_TEXT carries plain text only.
    if (asking || ui.ssml.checked) ui.stream.checked = false;
    ui.stream.disabled = asking || ui.ssml.checked;
    ui.speak.textContent = asking ? 'Ask' : 'Speak';
  }

  /**
   * Makes the server session the one that speaks, with sound, and starts it if it is not running; resolves with
   * it once it is started, or undefined (with the reason in `errorBox`) when it could not be.
   */
  async #conversationSession(errorBox: HTMLElement): Promise<ServerSession | undefined> {
    const { serverStream } = this.#host;
    const credential = this.#host.credential();
    if (!this.#host.attached() || !credential) {
      showError(errorBox, 'Connect first.');
      return undefined;
    }
    serverStream.setAudible(true);
    this.#ui.serverHint.textContent = SERVER_HINT_AUDIBLE;
    if (!this.#ui.serverStream.checked) {
      this.#ui.serverStream.checked = true;
      this.#host.toggleServerStream();
    } else if (!serverStream.running) {
      void serverStream.start(credential, this.#ui.project.value);
    }
    const session = await serverStream.ready();
    if (!session) showError(errorBox, 'The server session did not start: the server stream panel says why.');
    return session;
  }

  /** What the microphone area shows: the voice input's state, refined by who is talking. */
  #micState(): string {
    if (this.#micPreparing) return 'connecting';
    const state = this.voiceInput.state;
    if (state !== 'listening') return state;
    if (this.conversation.avatarSpeaking) return 'speaking';
    return this.conversation.hearing ? 'hearing' : 'listening';
  }

  #onEvent(event: DriveEventPayload): void {
    const change = this.conversation.apply(event);
    this.#render(change);
    const final = event.Type === EVENT_TYPE.TRANSCRIPT && event.Final === true;
    if (change.turns.length > 0 && final && event.Text) {
      const detail = `“${truncate(event.Text, 60)}”`;
      this.#host.log.add({ kind: 'info', label: 'heard', detail, reqId: event.ReqId });
    }
  }

  #render(change: Change): void {
    this.#view.update(this.conversation, change);
    this.#ui.clearHistory.hidden = this.conversation.turns.length === 0;
    if (change.activity) this.renderMic();
  }
}
