import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsStringList } from '../../common/is-string-list.decorator.js';
import { MAX_PATHS_PER_CALL } from '../reservations.service.js';

/** The body of DELETE /api/reservations: release_files's `paths`; without it, all the caller's. */
export class ReleaseFilesDto {
  @IsOmittable()
  @IsStringList(MAX_PATHS_PER_CALL)
  paths?: string[];
}
