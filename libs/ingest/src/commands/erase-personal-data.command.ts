import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventIngestor } from '../event-ingestor';
import type { ErasureOutcome, ErasureRequest } from '../publish/personal-data.eraser';

/** Right to erasure, sent on the CommandBus: recorded through the decider like any other fact. */
export class ErasePersonalDataCommand extends Command<ErasureOutcome> {
  constructor(readonly request: ErasureRequest) {
    super();
  }
}

@CommandHandler(ErasePersonalDataCommand)
export class ErasePersonalDataHandler implements ICommandHandler<ErasePersonalDataCommand, ErasureOutcome> {
  constructor(private readonly ingestor: EventIngestor) {}

  execute({ request }: ErasePersonalDataCommand): Promise<ErasureOutcome> {
    return this.ingestor.erasePersonalData(request);
  }
}
