package org.referralexchange.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.referralexchange.schemas.TopicSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Publishes one event and returns only once the broker acknowledged it ({@code acks=all}). A caller
 * that gets no exception may report the event as accepted; on any failure it must not.
 *
 * <p>{@link #send} starts the same publish without waiting, so a caller with many events can have
 * them in flight together; each is accepted only once its {@link Pending#await} returned.
 */
public class EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

  private final KafkaTemplate<String, SpecificRecord> template;
  private final ExchangeKafkaProperties properties;
  private final EventLog eventLog;
  private final MeterRegistry meters;

  public EventPublisher(
      KafkaTemplate<String, SpecificRecord> template,
      ExchangeKafkaProperties properties,
      EventLog eventLog,
      MeterRegistry meters) {
    this.template = template;
    this.properties = properties;
    this.eventLog = eventLog;
    this.meters = meters;
  }

  /** Meters are looked up once per topic and outcome, not on every publish. */
  private final java.util.Map<String, Timer> timers =
      new java.util.concurrent.ConcurrentHashMap<>();

  private Timer timer(TopicSpec topic, String outcome) {
    return timers.computeIfAbsent(
        topic.name() + "\u0000" + outcome,
        k -> meters.timer("exchange.publish", "topic", topic.name(), "outcome", outcome));
  }

  /**
   * Sends {@code event} keyed by {@code key} and waits for the acknowledgement; then applies it to
   * this instance's view, so the caller's next read sees it.
   *
   * @throws BrokerUnavailableException when the broker did not acknowledge within the publish
   *     timeout
   */
  public RecordMetadata publish(TopicSpec topic, String key, SpecificRecord event) {
    return send(topic, key, event).await();
  }

  /**
   * Hands {@code event} to the producer and returns without waiting for the broker. Nothing about
   * it is settled until {@link Pending#await} returned: only then was it acknowledged and applied
   * to this instance's view.
   *
   * @throws BrokerUnavailableException when the event could not even be handed to the producer
   */
  public Pending send(TopicSpec topic, String key, SpecificRecord event) {
    Timer.Sample sample = Timer.start(meters);
    try {
      return new Pending(topic, key, event, template.send(topic.name(), key, event), sample);
    } catch (org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
      // Thrown before the send, e.g. no metadata within max.block.ms or no schema from the
      // registry.
      sample.stop(timer(topic, "failed"));
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new BrokerUnavailableException(
          "The event could not be sent: " + cause.getClass().getSimpleName(), e);
    }
  }

  /** One event handed to the producer, not yet known to be acknowledged. */
  public final class Pending {

    private final TopicSpec topic;
    private final String key;
    private final SpecificRecord event;
    private final CompletableFuture<SendResult<String, SpecificRecord>> result;
    private final Timer.Sample sample;

    private Pending(
        TopicSpec topic,
        String key,
        SpecificRecord event,
        CompletableFuture<SendResult<String, SpecificRecord>> result,
        Timer.Sample sample) {
      this.topic = topic;
      this.key = key;
      this.event = event;
      this.result = result;
      this.sample = sample;
    }

    /** The event this is about. */
    public SpecificRecord event() {
      return event;
    }

    /**
     * Waits (at most the publish timeout) for the broker's acknowledgement; then applies the event
     * to this instance's view. Call it once, from the thread that sent it.
     *
     * @throws BrokerUnavailableException when the broker did not acknowledge in time
     */
    public RecordMetadata await() {
      String outcome = "failed";
      try {
        RecordMetadata metadata =
            result
                .get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .getRecordMetadata();
        outcome = "acknowledged";
        log.info(
            "Published {} for {} to {}-{}@{}",
            event.getSchema().getName(),
            key,
            metadata.topic(),
            metadata.partition(),
            metadata.offset());
        eventLog.applyOwn(topic, key, event);
        return metadata;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BrokerUnavailableException("Interrupted while waiting for the broker", e);
      } catch (TimeoutException e) {
        throw new BrokerUnavailableException(
            "The broker did not acknowledge within " + properties.publishTimeout(), e);
      } catch (ExecutionException e) {
        throw new BrokerUnavailableException(
            "The broker did not take the event: " + e.getCause().getClass().getSimpleName(),
            e.getCause());
      } finally {
        sample.stop(timer(topic, outcome));
      }
    }
  }
}
