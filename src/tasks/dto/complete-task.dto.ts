import { IsString } from 'class-validator';

export class CompleteTaskDto {
  @IsString()
  result: string;
}
