import { Module } from '@nestjs/common';
import { ReservationsController } from './reservations.controller.js';
import { ReservationsService } from './reservations.service.js';
import { ReservationsStore } from './reservations.store.js';

@Module({
  controllers: [ReservationsController],
  providers: [ReservationsService, ReservationsStore],
  exports: [ReservationsService],
})
export class ReservationsModule {}
