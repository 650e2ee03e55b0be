import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';

/** A priority of a message or a task: a whole number from 1 to 10, 10 the most urgent. */
export function IsPriority(): PropertyDecorator {
  // Listed bottom up, the order in which stacked decorators apply: errors keep their order.
  return applyDecorators(Max(10), Min(1), IsInt());
}
