import type { DriveEventPayload } from '@dhuman/client';
import { describe, expect, it } from 'vitest';
import {
  Conversation,
  MAX_TURNS,
  answerText,
  clauseText,
  reasoningText,
  ssmlToText,
} from './conversation.js';

const Q = 'a'.repeat(32);

function event(fields: Partial<DriveEventPayload> & { Type: number }): DriveEventPayload {
  return { SessionId: 's1', ReqId: Q, Seq: 1, EventSeq: 0, ...fields };
}

/** The events of one spoken question answered in two clauses, as the contract orders them. */
const spokenQuestion: DriveEventPayload[] = [
  event({ Type: 12, VoiceActivity: 'SpeechStart', AtMs: 1000 }),
  event({ Type: 11, Text: 'what can', Final: false, AtMs: 1400 }),
  event({ Type: 11, Text: 'what can you do', Final: false, AtMs: 1800 }),
  event({ Type: 12, VoiceActivity: 'SpeechEnd', AtMs: 2200 }),
  event({ Type: 11, Text: 'what can you do', Final: true, AtMs: 2300 }),
  event({ Type: 1, Text: 'what can you do' }),
  event({ Type: 5, Seq: 1, Text: 'The visitor asks ' }),
  event({ Type: 5, Seq: 2, Text: 'about features.' }),
  event({ Type: 4, Seq: 1, Text: 'what can you do', TextPro: 'I speak.', ContentType: '1', Final: false }),
  event({ Type: 3, SpeakStatus: 'TextStart' }),
  event({
    Type: 4,
    Seq: 2,
    Text: 'what can you do',
    TextPro: '<speak>I <break time="200ms"/>listen &amp; answer.</speak>',
    ContentType: '9',
    Final: true,
  }),
  event({ Type: 3, SpeakStatus: 'TextOver' }),
];

describe('Conversation', () => {
  it('follows a spoken question: partials, final transcript, reasoning, clauses, speaking', () => {
    const conversation = new Conversation();
    const seen: { transcript?: string; final?: boolean; speaking: boolean; hearing: boolean }[] = [];
    for (const e of spokenQuestion) {
      conversation.apply(e);
      seen.push({
        transcript: conversation.transcript?.text,
        final: conversation.transcript?.final,
        speaking: conversation.avatarSpeaking,
        hearing: conversation.hearing,
      });
    }
    expect(seen.map((s) => s.hearing)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(seen[1]).toMatchObject({ transcript: 'what can', final: false });
    expect(seen[4]).toMatchObject({ transcript: 'what can you do', final: true });
    expect(seen.map((s) => s.speaking)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      false,
    ]);
    const [turn] = conversation.turns;
    expect(conversation.turns).toHaveLength(1);
    expect(turn).toMatchObject({ reqId: Q, question: 'what can you do', source: 'voice', answered: true });
    expect(answerText(turn!)).toBe('I speak. I listen & answer.');
    expect(reasoningText(turn!)).toBe('The visitor asks about features.');
  });

  it('changes nothing when the same events arrive again, and keeps a final against a late partial', () => {
    const conversation = new Conversation();
    for (const e of spokenQuestion) conversation.apply(e);
    for (const e of spokenQuestion) {
      const change = conversation.apply(e);
      expect(change.turns).toEqual([]);
      expect(change.transcript).toBe(false);
    }
    conversation.apply(event({ Type: 11, Text: 'what can', Final: false }));
    expect(conversation.transcript).toEqual({ reqId: Q, text: 'what can you do', final: true });
  });

  it('reports which turn changed', () => {
    const conversation = new Conversation();
    expect(conversation.apply(event({ Type: 11, Text: 'hi', Final: false }))).toEqual({
      turns: [],
      removed: [],
      transcript: true,
      activity: false,
    });
    expect(conversation.apply(event({ Type: 11, Text: 'hi there', Final: true })).turns).toEqual([Q]);
    expect(conversation.apply(event({ Type: 3, SpeakStatus: 'TextStart' })).activity).toBe(true);
  });

  it('takes a typed question and the answer to it', () => {
    const conversation = new Conversation();
    conversation.ask(Q, 'Who are you?');
    conversation.apply(event({ Type: 1, Text: 'Who are you?' }));
    conversation.apply(
      event({ Type: 4, Seq: 1, Text: 'Who are you?', TextPro: 'I am dhuman.', Final: true }),
    );
    expect(conversation.turns).toEqual([
      expect.objectContaining({ question: 'Who are you?', source: 'typed' }),
    ]);
    expect(answerText(conversation.turns[0]!)).toBe('I am dhuman.');
  });

  it("makes a turn from another client's question that an answer names", () => {
    const conversation = new Conversation();
    conversation.apply(event({ Type: 1, ReqId: 'x1', Text: 'Spoken as given.' }));
    expect(conversation.turns).toEqual([]);
    conversation.apply(event({ Type: 4, ReqId: 'x2', Seq: 2, Text: 'Opening hours?', TextPro: 'Always.' }));
    expect(conversation.turns).toEqual([
      expect.objectContaining({ reqId: 'x2', question: 'Opening hours?', source: 'other', answered: false }),
    ]);
  });

  it('shows errors of questions and of failed utterances, not of other drives, once each', () => {
    const conversation = new Conversation();
    const failure = event({ Type: 9, ReqId: 'u1', ErrorCode: -112003, ErrorMessage: 'recognition failed' });
    conversation.apply(event({ Type: 9, ReqId: 'd1', ErrorCode: 110000, ErrorMessage: 'drive failed' }));
    expect(conversation.turns).toEqual([]);
    conversation.apply(event({ Type: 12, ReqId: 'u1', VoiceActivity: 'SpeechStart' }));
    conversation.apply(failure);
    conversation.apply(failure);
    expect(conversation.turn('u1')?.errors).toEqual(['Error -112003: recognition failed']);
    conversation.ask('q2', 'What time is it?');
    conversation.apply(event({ Type: 9, ReqId: 'q2', ErrorCode: -112002, ErrorMsg: 'timed out' }));
    expect(conversation.turn('q2')?.errors).toEqual(['Error -112002: timed out']);
  });

  it('does not make a question of an utterance that recognised nothing', () => {
    const conversation = new Conversation();
    conversation.apply(event({ Type: 11, Text: '', Final: true }));
    expect(conversation.turns).toEqual([]);
    expect(conversation.transcript).toEqual({ reqId: Q, text: '', final: true });
  });

  it('keeps the latest turns only', () => {
    const conversation = new Conversation();
    let removed: string[] = [];
    for (let i = 0; i <= MAX_TURNS; i++) removed = conversation.ask(`q${i}`, `question ${i}`).removed;
    expect(conversation.turns).toHaveLength(MAX_TURNS);
    expect(removed).toEqual(['q0']);
    expect(conversation.turns[0]?.reqId).toBe('q1');
  });

  it('hears nobody once the microphone is off', () => {
    const conversation = new Conversation();
    conversation.apply(event({ Type: 12, VoiceActivity: 'SpeechStart' }));
    expect(conversation.microphoneOff().activity).toBe(true);
    expect(conversation.hearing).toBe(false);
    expect(conversation.microphoneOff().activity).toBe(false);
  });

  it('clears the history but not who is speaking', () => {
    const conversation = new Conversation();
    for (const e of spokenQuestion.slice(0, 10)) conversation.apply(e);
    const change = conversation.clearHistory();
    expect(change.removed).toEqual([Q]);
    expect(change.transcript).toBe(true);
    expect(conversation.turns).toEqual([]);
    expect(conversation.transcript).toBeUndefined();
    expect(conversation.avatarSpeaking).toBe(true);
  });

  it('forgets everything on clear', () => {
    const conversation = new Conversation();
    for (const e of spokenQuestion.slice(0, 10)) conversation.apply(e);
    expect(conversation.avatarSpeaking).toBe(true);
    conversation.clear();
    expect(conversation.turns).toEqual([]);
    expect(conversation.transcript).toBeUndefined();
    expect(conversation.avatarSpeaking).toBe(false);
  });
});

describe('clauseText and ssmlToText', () => {
  it('prefers TextDisplay, reads SSML as its words, and decodes entities without making markup', () => {
    expect(clauseText(event({ Type: 4, TextPro: 'spoken', TextDisplay: 'shown' }))).toBe('shown');
    expect(clauseText(event({ Type: 4, TextPro: '  plain  ', ContentType: '1' }))).toBe('plain');
    expect(clauseText(event({ Type: 4, TtsSupport: false, Final: true }))).toBe('');
    expect(ssmlToText('<speak>5 &lt; 6 &#x263A; &#65;<break/>B &bogus;</speak>')).toBe('5 < 6 ☺ A B &bogus;');
    expect(ssmlToText('<speak>&lt;script&gt;</speak>')).toBe('<script>');
  });
});
