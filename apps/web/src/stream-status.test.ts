import { WhepError } from '@dhuman/client';
import { describe, expect, it } from 'vitest';
import { describeStreamFailure, isConnectionGone } from './stream-status.js';

describe('describeStreamFailure', () => {
  it("puts the IVH code before the server's message", () => {
    expect(describeStreamFailure(new WhepError('server is full', 503, 100008))).toBe(
      'Error 100008: server is full',
    );
  });

  it('says what a bare status means', () => {
    expect(describeStreamFailure(new WhepError('bad token', 403))).toBe(
      'Not allowed (wrong or missing play token): bad token',
    );
    expect(describeStreamFailure(new WhepError('WHEP POST: HTTP 404', 404))).toBe(
      'No such live session: WHEP POST: HTTP 404',
    );
    expect(describeStreamFailure(new WhepError('odd', 418))).toBe('odd (HTTP 418)');
  });

  it('tells an unreachable server apart, and passes other errors through', () => {
    expect(describeStreamFailure(new WhepError('WHEP POST: no answer', 0))).toBe(
      'Cannot reach the server: WHEP POST: no answer',
    );
    expect(describeStreamFailure(new TypeError('not a play address'))).toBe('not a play address');
    expect(describeStreamFailure('plain')).toBe('plain');
  });
});

describe('isConnectionGone', () => {
  it('is true only for failed and closed', () => {
    expect(isConnectionGone('failed')).toBe(true);
    expect(isConnectionGone('closed')).toBe(true);
    expect(isConnectionGone('disconnected')).toBe(false);
    expect(isConnectionGone('connected')).toBe(false);
    expect(isConnectionGone('new')).toBe(false);
  });
});
