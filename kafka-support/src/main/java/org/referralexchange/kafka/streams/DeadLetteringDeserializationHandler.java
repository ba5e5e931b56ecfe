package org.referralexchange.kafka.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.referralexchange.serde.AvroSerdeException;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/**
 * Kafka Streams' handler for records that do not decode: dead-lettered through the {@link
 * DeadLetterRecoverer} (found under {@value #KSTREAM_DESERIALIZATION_RECOVERER} in the Streams
 * configuration) and skipped, so the stream goes on. An unreachable registry is not the record's
 * fault: the thread fails instead and {@link ExchangeStreamsDefaults} replaces it, so the record is
 * read again from the last commit once the registry answers.
 *
 * <p>The dead-letter write is the recoverer's own producer, outside the Streams transaction (Kafka
 * 4.1 has no dead-letter output for this handler): a crash between the write and the next commit
 * writes the record again, with the same original topic, partition and offset headers.
 */
public class DeadLetteringDeserializationHandler extends RecoveringDeserializationExceptionHandler {

  @Override
  public DeserializationHandlerResponse handle(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (isTransient(exception)) {
      return DeserializationHandlerResponse.FAIL;
    }
    return super.handle(context, record, exception);
  }

  static boolean isTransient(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof AvroSerdeException serde && serde.isTransient()) {
        return true;
      }
    }
    return false;
  }
}
