import { ERRORS } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import { lineColumn, ssmlError } from './position.js';

describe('lineColumn', () => {
  it.each([
    [0, 1, 1],
    [2, 1, 3],
    [3, 2, 1],
    [6, 2, 4],
    [7, 3, 1],
    [9, 4, 1],
    [10, 4, 2],
  ])('offset %d is line %d, column %d', (offset, line, column) => {
    expect(lineColumn('ab\ncd\r\ne\rfg', offset)).toEqual({ line, column });
  });
});

describe('ssmlError', () => {
  it('is an INVALID_PARAMETER error whose detail says where', () => {
    const error = ssmlError('x\ny', 2, 'trouble');
    expect(error.code).toBe(ERRORS.INVALID_PARAMETER.code);
    expect(error.message).toBe('request parameter error: SSML trouble at line 2, column 1 (offset 2)');
  });
});
