import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsString } from 'class-validator';

/** An array of at most `max` strings (ids, paths). */
export function IsStringList(max: number): PropertyDecorator {
  // Listed bottom up, the order in which stacked decorators apply: errors keep their order.
  return applyDecorators(IsString({ each: true }), ArrayMaxSize(max), IsArray());
}
