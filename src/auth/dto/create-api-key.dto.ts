import { IsString, Matches } from 'class-validator';
import { AGENT_GLOB_PATTERN, AGENT_GLOB_RULE, KEY_NAME_PATTERN, KEY_NAME_RULE } from '../api-key.js';

export class CreateApiKeyDto {
  @IsString()
  @Matches(KEY_NAME_PATTERN, { message: `name must be ${KEY_NAME_RULE}` })
  name!: string;

  @IsString()
  @Matches(AGENT_GLOB_PATTERN, { message: `agent must be ${AGENT_GLOB_RULE}` })
  agent!: string;
}
