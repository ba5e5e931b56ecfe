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
import org.referralexchange.serde.AvroSerdeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Publishes one event and returns only once the broker acknowledged it ({@code acks=all}). A caller
 * that gets no exception may report the event as accepted; on any failure it must not.
 *
 * <p>Two ways not to wait for each acknowledgement in turn: {@link #send} hands the event to the
 * producer and the caller later awaits each {@link Pending} on its own thread (the notifier, which
 * checks a batch of acks at the end of each tick); {@link #publishAsync} returns a future completed
 * on the producer's thread (the adapter, which chains the delivery's bookkeeping onto it). Either
 * way an event is accepted only once its acknowledgement arrived.
 *
 * <p>Nothing chained onto {@link #publishAsync} may publish or block on that thread: it is the
 * producer's only I/O thread, and a send made there waits up to {@code max.block.ms} for metadata
 * only that thread fetches, while every record in flight expires. Hop to an executor first.
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
   * @throws SchemaUnavailableException when it could not be serialized for want of its schema (the
   *     registry unreachable and the schema not cached yet, or the registry refused): nothing was
   *     sent
   */
  public Pending send(TopicSpec topic, String key, SpecificRecord event) {
    Timer.Sample sample = Timer.start(meters);
    try {
      return new Pending(topic, key, event, template.send(topic.name(), key, event), sample);
    } catch (org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
      // Thrown before the send, e.g. no metadata within max.block.ms or no schema from the
      // registry.
      sample.stop(timer(topic, "failed"));
      AvroSerdeException serde = serdeCause(e);
      if (serde != null) {
        throw new SchemaUnavailableException(
            "The event was not sent: no schema for "
                + topic.valueSubject()
                + " ("
                + serde.getClass().getSimpleName()
                + ")",
            serde);
      }
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
      try {
        return acknowledged(
            result
                .get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .getRecordMetadata());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed();
        throw new BrokerUnavailableException("Interrupted while waiting for the broker", e);
      } catch (TimeoutException e) {
        failed();
        throw new BrokerUnavailableException(
            "The broker did not acknowledge within " + properties.publishTimeout(), e);
      } catch (ExecutionException e) {
        failed();
        throw unavailable(e.getCause());
      }
    }

    /** The broker took it: counted, logged, and applied to this instance's view. */
    private RecordMetadata acknowledged(RecordMetadata metadata) {
      sample.stop(timer(topic, "acknowledged"));
      log.info(
          "Published {} for {} to {}-{}@{}",
          event.getSchema().getName(),
          key,
          metadata.topic(),
          metadata.partition(),
          metadata.offset());
      eventLog.applyOwn(topic, key, event);
      return metadata;
    }

    private void failed() {
      sample.stop(timer(topic, "failed"));
    }
  }

  /**
   * Sends {@code event} keyed by {@code key} without waiting: the returned future completes once
   * the broker acknowledged it, after the event was applied to this instance's view, as {@link
   * #publish} does before it returns. It completes exceptionally with a {@link
   * BrokerUnavailableException} (wrapped in a {@code CompletionException} where the future API
   * wraps) when the broker did not take the event or did not acknowledge it; the caller must then
   * not report the event as accepted. It needs no timer of its own: the producer gives up on a
   * record after its delivery timeout (the publish timeout plus one second), and only then does the
   * future fail, so a failed event is no longer being retried behind the caller's back. Callers
   * that send many events this way should bound how many they leave in flight.
   */
  public CompletableFuture<RecordMetadata> publishAsync(
      TopicSpec topic, String key, SpecificRecord event) {
    Pending pending;
    try {
      pending = send(topic, key, event);
    } catch (BrokerUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    return pending.result.handle(
        (result, failure) -> {
          if (failure != null) {
            pending.failed();
            throw unavailable(failure);
          }
          return pending.acknowledged(result.getRecordMetadata());
        });
  }

  /** The schema failure behind a failed send, if that is what it was. */
  private static AvroSerdeException serdeCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof AvroSerdeException serde) {
        return serde;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** What {@link #publish} would have thrown for the same failure of a send. */
  private BrokerUnavailableException unavailable(Throwable failure) {
    AvroSerdeException serde = serdeCause(failure);
    if (serde != null) {
      return new SchemaUnavailableException(
          "The event was not sent: no schema (" + serde.getClass().getSimpleName() + ")", serde);
    }
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    Throwable root =
        cause instanceof org.springframework.kafka.KafkaException && cause.getCause() != null
            ? cause.getCause()
            : cause;
    return new BrokerUnavailableException(
        "The broker did not take the event: " + root.getClass().getSimpleName(), root);
  }
}
