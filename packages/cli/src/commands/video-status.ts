import { errorByCode, type VideoProgressResponse } from '@dhuman/protocol';

/**
 * `dhuman video status`: one task's getprogress answer as aligned `Field  value` lines, every field always
 * present ("-" when it does not apply) so a script can pick a line by its name.
 */
export function statusLines(p: VideoProgressResponse): string[] {
  const dash = (value: string) => value || '-';
  const failName = errorByCode(p.FailCode)?.name;
  const rows: [string, string][] = [
    ['TaskId', p.TaskId],
    ['Status', p.Status],
    ['Progress', p.Status === 'FAIL' ? '-' : `${p.Progress} %`],
    ['Queue', p.Status === 'COMMIT' ? `${p.ArrayCount} ahead` : '-'],
    ['Duration', p.Duration > 0 ? `${(p.Duration / 1000).toFixed(2)} s` : '-'],
    ['MediaUrl', dash(p.MediaUrl)],
    ['SubtitlesUrl', dash(p.SubtitlesUrl)],
    [
      'Failure',
      p.Status === 'FAIL' ? `${p.FailCode}${failName ? ` ${failName}` : ''}: ${p.FailMessage || '-'}` : '-',
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
}
