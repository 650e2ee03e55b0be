import { IsBoolean, IsInt, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsStringList } from '../../common/is-string-list.decorator.js';
import { MAX_PATHS_PER_CALL } from '../reservations.service.js';

/** The body of POST /api/reservations: reserve_files's arguments (the service checks paths, ttl and reason). */
export class ReserveFilesDto {
  @IsStringList(MAX_PATHS_PER_CALL)
  paths: string[];

  @IsInt()
  ttl_s: number;

  @IsOmittable()
  @IsBoolean()
  exclusive?: boolean;

  @IsString()
  reason: string;
}
