import { IsBoolean } from 'class-validator';
import { HookInputDto } from './hook-input.dto.js';

/** A Stop hook's input: `stop_hook_active` is true when this Stop follows a block by a Stop hook. */
export class StopHookInputDto extends HookInputDto {
  @IsBoolean({ message: 'stop_hook_active must be true or false' })
  stop_hook_active!: boolean;
}
