import { ArrayMaxSize, IsArray, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { MAX_PATHS_PER_CALL } from '../reservations.service.js';

/** The body of DELETE /api/reservations: release_files's `paths`; without it, all the caller's. */
export class ReleaseFilesDto {
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_PATHS_PER_CALL)
  @IsString({ each: true })
  paths?: string[];
}
