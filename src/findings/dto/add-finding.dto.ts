import { IsArray, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** The body of POST /api/findings: add_finding's arguments (the service checks sizes and tags). */
export class AddFindingDto {
  @IsString()
  text: string;

  @IsOmittable()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @IsOmittable()
  @IsArray()
  @IsString({ each: true })
  files?: string[];
}
