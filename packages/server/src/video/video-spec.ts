import type { VoiceInfo } from '@dhuman/core';
import {
  ERRORS,
  IvhError,
  type TtsRequest,
  type VideoFormatName,
  type VideoMakeRequest,
  type VideoParam,
  type VideoSpeechParam,
} from '@dhuman/protocol';
import { parseSpeechInput } from '@dhuman/speech';
import type { VideoTaskSpec } from './video-task.js';
import type { Virtualman } from './virtualman.js';

export type VideoEndpoint = 'videomake' | 'videomakeadvanced';

const FORMATS: Record<VideoFormatName, VideoTaskSpec['format']> = {
  Mp4: 'mp4',
  GreenScreenMp4: 'mp4',
  TransparentWebm: 'webm-alpha',
  TransparentMov: 'mov-alpha',
};

/** The basic API's documented default is a transparent WebM; the advanced one's is an MP4. */
const DEFAULT_FORMAT: Record<VideoEndpoint, VideoFormatName> = {
  videomake: 'TransparentWebm',
  videomakeadvanced: 'Mp4',
};

/** Malformed SSML is refused at submission with the parser's position, not found later by the task. */
function checkText(text: string): void {
  try {
    parseSpeechInput(text);
  } catch (error) {
    if (error instanceof IvhError)
      throw new IvhError(ERRORS.INVALID_PARAMETER, `Payload.InputSsml: ${error.detail ?? error.message}`);
    throw error;
  }
}

function voiceOf(param: VideoSpeechParam | undefined, fallback: string, voices: readonly VoiceInfo[]) {
  const voice = param?.TimbreKey || fallback;
  if (!voices.some((v) => v.key === voice)) {
    const known = voices.map((v) => v.key).join(', ');
    throw new IvhError(
      ERRORS.INVALID_PARAMETER_VALUE,
      `Payload.SpeechParam.TimbreKey "${voice.slice(0, 128)}" is not a voice of this server (known: ${known})`,
    );
  }
  // Volume 0..10 ("0 is normal, higher is louder") is the top half of the engine's -10..10 gain scale.
  return { voice, speed: param?.Speed ?? 1, volume: param?.Volume ?? 0 };
}

/** A videomake / videomakeadvanced request as the task that will render it. Throws `IvhError` for bad input. */
export function videoTaskSpec(
  endpoint: VideoEndpoint,
  payload: VideoMakeRequest,
  virtualman: Virtualman,
  voices: readonly VoiceInfo[],
): VideoTaskSpec {
  const video: Partial<VideoParam> = payload.VideoParam ?? {};
  const format = FORMATS[video.Format ?? DEFAULT_FORMAT[endpoint]];
  if (video.BackgroundFileUrl && format !== 'mp4') {
    throw new IvhError(
      ERRORS.INVALID_PARAMETER_VALUE,
      'Payload.VideoParam.BackgroundFileUrl needs Format Mp4: a transparent video has no background',
    );
  }
  const text = payload.DriverType === 'Text' ? payload.InputSsml : undefined;
  if (text !== undefined) checkText(text);
  const anchor = video.AnchorParam;
  const logos = (video.LogoParams ?? []).map((logo) => ({
    url: logo.LogoFileUrl,
    x: logo.PositionX ?? 0,
    y: logo.PositionY ?? 0,
    scale: logo.Scale ?? 1,
  }));
  const composed =
    video.BackgroundFileUrl !== undefined ||
    logos.length > 0 ||
    anchor !== undefined ||
    video.ShowSubtitles === true ||
    video.VideoHeadFileUrl !== undefined ||
    video.VideoTailFileUrl !== undefined;
  return {
    kind: 'video',
    virtualmanKey: payload.VirtualmanKey,
    assetKey: virtualman.assetKey,
    ...(text !== undefined && { text }),
    ...(payload.DriverType === 'OriginalVoice' && { audioUrl: payload.InputAudioUrl }),
    voice: voiceOf(payload.SpeechParam, virtualman.voice, voices),
    format,
    width: virtualman.width,
    height: virtualman.height,
    fps: virtualman.fps,
    ...(composed && {
      composition: {
        ...(video.BackgroundFileUrl !== undefined && { backgroundUrl: video.BackgroundFileUrl }),
        logos,
        ...(anchor && {
          avatar: {
            x: anchor.HorizontalPosition ?? 0,
            y: anchor.VerticalPosition ?? 0,
            scale: anchor.Scale ?? 1,
            angleDeg: anchor.Angle ?? 0,
          },
        }),
        subtitles: video.ShowSubtitles === true,
        ...(video.VideoHeadFileUrl !== undefined && { introUrl: video.VideoHeadFileUrl }),
        ...(video.VideoTailFileUrl !== undefined && { outroUrl: video.VideoTailFileUrl }),
      },
    }),
    ...(payload.VideoStorageS3Url !== undefined && { storageUrl: payload.VideoStorageS3Url }),
  };
}

/** A tts request as an audio task: the project's (or asset's) voice unless SpeechParam names one. */
export function audioTaskSpec(
  payload: TtsRequest,
  virtualman: Virtualman | undefined,
  defaultVoice: string,
  voices: readonly VoiceInfo[],
): VideoTaskSpec {
  checkText(payload.InputSsml);
  return {
    kind: 'audio',
    virtualmanKey: payload.VirtualmanKey ?? '',
    assetKey: virtualman?.assetKey ?? '',
    text: payload.InputSsml,
    voice: voiceOf(payload.SpeechParam, virtualman?.voice ?? defaultVoice, voices),
    format: 'mp3',
    width: 0,
    height: 0,
    fps: 0,
    ...(payload.VideoStorageS3Url !== undefined && { storageUrl: payload.VideoStorageS3Url }),
  };
}
