import { IsString } from 'class-validator';

/** The body of PUT /api/boards/:board/plan: set_plan's goal and plan. */
export class SetPlanDto {
  @IsString()
  goal: string;

  @IsString()
  plan: string;
}
