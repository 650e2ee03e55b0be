import { ValidateIf } from 'class-validator';

/**
 * Like IsOptional, but only a field left out skips validation: IsOptional lets null through
 * too, and the services (typed `string | undefined`) then took null for a value, which was a
 * 500 in the agent-profile store. null now fails the field's own checks with their message.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
