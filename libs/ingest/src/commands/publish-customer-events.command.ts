import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventIngestor } from '../event-ingestor';
import type { PublishContext, PublishOutcome } from '../publish/publish.outcome';
import type { ValidPublishedEvent } from '../validation/published-event.validator';

/** Record validated customer events: what a Nest entrance sends on the CommandBus. */
export class PublishCustomerEventsCommand extends Command<PublishOutcome> {
  constructor(
    readonly events: readonly ValidPublishedEvent[],
    readonly context: PublishContext,
  ) {
    super();
  }
}

/** The bus's way into the one write path: the same EventIngestor every other entrance calls. */
@CommandHandler(PublishCustomerEventsCommand)
export class PublishCustomerEventsHandler implements ICommandHandler<
  PublishCustomerEventsCommand,
  PublishOutcome
> {
  constructor(private readonly ingestor: EventIngestor) {}

  execute({ events, context }: PublishCustomerEventsCommand): Promise<PublishOutcome> {
    return this.ingestor.publish(events, context);
  }
}
