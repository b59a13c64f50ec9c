export * from './bus.port';
export * from './customer-event.codec';
export * from './bus.factory';
export { InProcessBus, type InProcessBusOptions } from './in-process/in-process.bus';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka.bus';
export { probeKafka, type KafkaProbe } from './kafka/kafka.probe';
export { KafkaTopicEnds } from './kafka/kafka-topic.ends';
export { MessagingModule } from './messaging.module';
