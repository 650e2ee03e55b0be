import { ArrayMaxSize, IsArray, IsString } from 'class-validator';
import { MAX_CHECK_PATHS } from '../reservations.service.js';

/** The body of POST /api/reservations/check: file paths, as `git diff --cached --name-only` lists them. */
export class CheckPathsDto {
  @IsArray()
  @ArrayMaxSize(MAX_CHECK_PATHS)
  @IsString({ each: true })
  paths: string[];
}
