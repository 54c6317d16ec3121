/**
 * A customer's recorded speech (DriverType OriginalVoice, InputAudioUrl) as session-rate PCM: checked with ffprobe,
 * then decoded by ffmpeg to mono s16le at SESSION_SAMPLE_RATE on its stdout.
 */
import { SESSION_SAMPLE_RATE } from '@dhuman/core';
import { fileUrl, inputGuards } from '@dhuman/media';
import { pcm16FromBytes } from '@dhuman/speech';
import { RemoteFileError } from './remote-file.js';
import { probeFile, runTool, toolReason } from './remote-file-tools.js';

/**
 * Containers that hold plain audio (mp4/mov and matroska/webm also cover video files, whose audio is used).
 * Names as ffmpeg's demuxers know them; `mov` is mp4/m4a/3gp and `matroska` is webm too.
 */
const AUDIO_DEMUXERS = [
  'wav',
  'w64',
  'mp3',
  'ogg',
  'flac',
  'aac',
  'mov',
  'matroska',
  'asf',
  'aiff',
  'amr',
  'caf',
];

/**
 * How far the decoded audio may run past `maxDurationMs`. ffprobe's duration of a VBR mp3 without a Xing header
 * is an estimate from the first frames' bitrate, so decoding is bounded too; this slack keeps codec padding
 * (tens of ms) from refusing a file whose probed duration was accepted.
 */
const DECODE_SLACK_MS = 500;

export interface DecodeAudioOptions {
  maxDurationMs: number;
  signal?: AbortSignal;
  ffmpegCommand?: string;
  ffprobeCommand?: string;
}

interface AudioProbe {
  streams?: { codec_type?: string; duration?: string }[];
  format?: { duration?: string };
}

/**
 * Checks with ffprobe that `path` has an audio stream lasting ≤ maxDurationMs, then decodes its first audio
 * stream to mono s16le at SESSION_SAMPLE_RATE (channels averaged, resampled). RemoteFileError('bad-content')
 * when it is not audio, is too long or has no samples; the signal's reason on abort (ffprobe/ffmpeg killed).
 */
export async function decodeAudioFile(path: string, options: DecodeAudioOptions): Promise<Int16Array> {
  const { maxDurationMs, signal } = options;
  if (!(maxDurationMs > 0)) throw new RangeError(`bad maxDurationMs ${maxDurationMs}`);
  const { json } = await probeFile(
    path,
    'the audio file',
    AUDIO_DEMUXERS,
    ['-show_entries', 'stream=codec_type,duration:format=duration'],
    options,
  );
  const probe = json as AudioProbe;
  const audio = (probe.streams ?? []).filter((stream) => stream.codec_type === 'audio');
  if (audio.length === 0) throw new RemoteFileError('bad-content', 'the audio file has no audio stream');
  const durationMs = probedDurationMs(probe);
  if (durationMs !== undefined && durationMs > maxDurationMs) throw tooLong(maxDurationMs, durationMs);

  const maxSamples = Math.ceil(((maxDurationMs + DECODE_SLACK_MS) * SESSION_SAMPLE_RATE) / 1000);
  const args = [
    '-nostdin',
    '-v',
    'error',
    ...inputGuards(AUDIO_DEMUXERS),
    '-i',
    fileUrl(path),
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    String(SESSION_SAMPLE_RATE),
    '-c:a',
    'pcm_s16le',
    '-f',
    's16le',
    'pipe:1',
  ];
  const run = await runTool(options.ffmpegCommand ?? 'ffmpeg', args, {
    maxStdoutBytes: maxSamples * 2,
    signal,
  });
  if (run.overflow) throw tooLong(maxDurationMs);
  if (run.code !== 0) {
    throw new RemoteFileError(
      'bad-content',
      `the audio file cannot be decoded: ${toolReason(run.stderr, path)}`,
    );
  }
  const pcm = pcm16FromBytes(run.stdout);
  if (pcm.length === 0) throw new RemoteFileError('bad-content', 'the audio file has no audio samples');
  return pcm;
}

/** The container's duration, else the longest audio stream's; undefined when ffprobe does not know. */
function probedDurationMs(probe: AudioProbe): number | undefined {
  const format = seconds(probe.format?.duration);
  if (format !== undefined) return format * 1000;
  const streams = (probe.streams ?? []).flatMap((stream) => seconds(stream.duration) ?? []);
  return streams.length > 0 ? Math.max(...streams) * 1000 : undefined;
}

/** ffprobe's decimal seconds ("12.345000"); undefined when absent or not a number. */
function seconds(value: string | undefined): number | undefined {
  const parsed = value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

function tooLong(maxDurationMs: number, durationMs?: number): RemoteFileError {
  const lasts = durationMs === undefined ? 'lasts longer than' : `lasts ${inSeconds(durationMs)}, more than`;
  return new RemoteFileError(
    'bad-content',
    `the audio file ${lasts} the ${inSeconds(maxDurationMs)} accepted`,
  );
}

function inSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
