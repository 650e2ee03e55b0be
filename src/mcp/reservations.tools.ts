import { UseInterceptors } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId } from '../agents/agent-id.decorator.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { ReservationsService } from '../reservations/reservations.service.js';
import { toolArgs, toolResult } from './tool-call.js';

// Bounds are checked by ReservationsService, with messages (see findings.tools.ts). The page
// size of list_reservations is REST's alone: 50 a page is what a model wants.
const paths = z.array(z.string());
const reserveFilesArgs = z.object({
  paths,
  ttl_s: z.number(),
  exclusive: z.boolean().optional(),
  reason: z.string(),
});
const releaseFilesArgs = z.object({ paths: paths.optional() });
const listReservationsArgs = z.object({
  agent: z.string().optional(),
  path: z.string().optional(),
  cursor: z.string().optional(),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class ReservationsTools {
  constructor(private readonly reservations: ReservationsService) {}

  @Tool({
    name: 'reserve_files',
    description:
      "Lease paths/globs (*, **, ?) you'll edit, exclusive by default; refused if one overlaps another agent's " +
      'and either is exclusive.',
    parameters: toolArgs(reserveFilesArgs),
  })
  async reserveFiles(@Payload() args: z.infer<typeof reserveFilesArgs>, @AgentId() agentId: string) {
    return toolResult(await this.reservations.reserve(agentId, args));
  }

  @Tool({
    name: 'release_files',
    description: 'Release your leases (default: all).',
    parameters: toolArgs(releaseFilesArgs),
  })
  async releaseFiles(@Payload() args: z.infer<typeof releaseFilesArgs>, @AgentId() agentId: string) {
    return toolResult(await this.reservations.release(agentId, args.paths));
  }

  @Tool({
    name: 'list_reservations',
    description: 'Live leases by agent or overlapping path.',
    parameters: toolArgs(listReservationsArgs),
  })
  async listReservations(@Payload() args: z.infer<typeof listReservationsArgs>) {
    return toolResult(await this.reservations.list(args));
  }
}
