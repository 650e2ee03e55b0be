import { IsStringList } from '../../common/is-string-list.decorator.js';
import { MAX_CHECK_PATHS } from '../reservations.service.js';

/** The body of POST /api/reservations/check: file paths, as `git diff --cached --name-only` lists them. */
export class CheckPathsDto {
  @IsStringList(MAX_CHECK_PATHS)
  paths: string[];
}
