import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class RegisterAgentDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  capabilities?: string[];

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'session_id must be 1-128 letters, digits, ".", "_" or "-"' })
  session_id?: string;
}
