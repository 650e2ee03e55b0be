import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A page size from a query string: a whole number from 1 to `max`. */
export function IsPageLimit(max = 100): PropertyDecorator {
  // Listed bottom up, the order in which stacked decorators apply: errors keep their order.
  return applyDecorators(
    Max(max),
    Min(1),
    IsInt(),
    Type(() => Number),
  );
}
