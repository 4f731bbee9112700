/** Stage 0: decode the dropped photos, apply EXIF orientation, resize to the working size, read focal priors. */
import type { GeometryPhoto } from '../geometry/classical';
import { focalPriorPx } from '../io/exif';
import { type ImageDecoder, ImageError, resizeLongSide } from '../io/image';
import type { PhotoInput } from '../protocol';
import { PipelineError } from './errors';

/** Photos above this are downscaled on decode and the user is told (a 48 MP phone photo is 8064 px). */
export const MAX_PHOTO_MEGAPIXELS = 120;
export const MAX_PHOTOS = 12;

export interface PreparedPhoto extends GeometryPhoto {
  originalWidth: number;
  originalHeight: number;
}

export async function preparePhotos(
  inputs: PhotoInput[],
  decode: ImageDecoder,
  workingSize: number,
  warn: (code: string, message: string) => void,
): Promise<PreparedPhoto[]> {
  if (inputs.length < 2) {
    throw new PipelineError(
      'bad-input',
      inputs.length === 0
        ? 'No photos were given: add two or more photos of the same scene.'
        : `Only one photo (${inputs[0].name}) was given: a reconstruction needs at least two photos of the same scene from slightly different viewpoints.`,
    );
  }
  if (inputs.length > MAX_PHOTOS) {
    throw new PipelineError(
      'bad-input',
      `${inputs.length} photos were given; the studio takes at most ${MAX_PHOTOS}.`,
    );
  }
  const out: PreparedPhoto[] = [];
  for (const input of inputs) {
    let decoded: Awaited<ReturnType<ImageDecoder>>;
    try {
      decoded = await decode(new Uint8Array(input.bytes), input.name);
    } catch (err) {
      if (err instanceof ImageError)
        throw new PipelineError('bad-input', err.message, { file: input.name, kind: err.kind });
      throw new PipelineError('bad-input', `${input.name} could not be decoded: ${(err as Error).message}`, {
        file: input.name,
      });
    }
    const { image, exif } = decoded;
    const megapixels = (image.width * image.height) / 1e6;
    if (megapixels > MAX_PHOTO_MEGAPIXELS) {
      warn(
        'large-photo',
        `${input.name} is ${megapixels.toFixed(0)} MP; it is downscaled to the working size.`,
      );
    }
    const long = Math.max(image.width, image.height);
    const working = long > workingSize ? resizeLongSide(image, workingSize) : image;
    out.push({
      name: input.name,
      image: working,
      focalPrior: focalPriorPx(exif, working.width, working.height),
      originalWidth: image.width,
      originalHeight: image.height,
    });
  }
  return out;
}
