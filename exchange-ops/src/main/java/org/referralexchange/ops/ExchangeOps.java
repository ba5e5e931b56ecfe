package org.referralexchange.ops;

import java.io.PrintStream;
import java.util.Map;
import java.util.Set;
import org.referralexchange.ops.cli.Arguments;
import org.referralexchange.ops.cli.OpsSettings;
import org.referralexchange.ops.cli.UsageException;
import org.referralexchange.ops.deadletters.DeadLettersCommand;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.ops.refusals.RefusalsCommand;
import org.referralexchange.ops.trace.TraceCommand;

/**
 * The operators' command line: {@code java -jar exchange-ops.jar <command>}. Reads the cluster
 * without a consumer group and never prints client data; see {@link #USAGE}.
 */
public final class ExchangeOps {

  /** Avro 1.12 instantiates generated classes only from packages trusted by this property. */
  static final String SERIALIZABLE_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  static final String USAGE =
      """
      Usage: exchange-ops <command> [options]

      Commands:
        dead-letters list [--topic T]
            Every record on the dead-letter topics (*-dlt), or on one (T or T-dlt): where it is,
            when, its key, its size, its event type and ids if it decodes, where it came from and
            why it was dead-lettered.
        dead-letters replay --topic T (--partition P --offset N | --all) [--force]
            Writes the dead letter's key, value bytes and headers (without the dead-letter ones)
            back to its original topic (from its original-topic header, else T without -dlt),
            with an idempotent producer and acks=all, waiting for the acknowledgement, and adds
            the header exchange-replayed-from: <dlt>/<partition>/<offset>. A record whose marker
            is already on the original topic is refused unless --force; the check scans that
            topic. A second copy is harmless anyway: the services deduplicate on eventId. Fix the
            cause first (register the schema, fix the provider) or the record fails again.
        refusals [--provider P]
            The provider reports the lifecycle refused (a status no path reaches, such as a
            completed referral's Task edited back), one per referral and version of the
            provider's record, oldest first: when, provider, referral, version, the status
            reported against the one recorded, the refusing policy and its reason.
        trace <referralId>
            Every event about one referral on referral.submitted, referral.delivered,
            referral.status-changed, referral.overdue, referral.report-refused, notifications and
            their dead-letter topics, in time order: time, topic/partition@offset, event type, ids,
            status fields. Scans every partition from the beginning (no consumer group): fine for
            one question, slow on a large log.

      Options (every command):
        --bootstrap-servers HOST:PORT   default: $KAFKA_BOOTSTRAP, else localhost:9092
        --schema-registry-url URL       default: $SCHEMA_REGISTRY_URL, else http://localhost:8081
        --command-config FILE           client properties (security.protocol, sasl.*, ssl.*,
                                        basic.auth.* for the registry), as for Kafka's own tools
        --timeout-seconds N             reading to the end / waiting for an ack (default 60)

      Personal data: values are never printed. A record shows its size and, when it decodes, its
      event type, event id, referral id and status-like fields (status, reason code, stage,
      channel, outcome, provider id); client identity, narrative and free text never. Exception
      messages from the headers are shown masked: line breaks removed, anything quoted becomes
      <quoted>, email addresses <email>, runs of 7+ digits (phone numbers, dates, record numbers)
      <digits>, cut to %d characters. Stack traces are never shown; other headers by name only.

      Exit status: 0 done, 1 nothing found or something refused/failed, 2 usage error.
      """
          .formatted(Redaction.MAX_LENGTH);

  private static final Set<String> FLAGS = Set.of("all", "force", "help");
  private static final Set<String> COMMON =
      Set.of(
          "bootstrap-servers", "schema-registry-url", "command-config", "timeout-seconds", "help");

  private ExchangeOps() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command with the process environment; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  /** Runs one command; returns the exit status. Tests call this with their own streams. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (System.getProperty(SERIALIZABLE_PACKAGES) == null) {
      System.setProperty(SERIALIZABLE_PACKAGES, "org.referralexchange.events.v1");
    }
    try {
      Arguments arguments = Arguments.parse(args, FLAGS);
      String command = arguments.word(0).orElse("help");
      if (arguments.flag("help") || command.equals("help")) {
        out.print(USAGE);
        return 0;
      }
      return switch (command) {
        case "dead-letters" -> {
          arguments.allowOnly(
              union(COMMON, Set.of("topic", "partition", "offset", "all", "force")));
          String action =
              arguments
                  .word(1)
                  .orElseThrow(() -> new UsageException("dead-letters needs list or replay"));
          expectWords(arguments, 2);
          yield new DeadLettersCommand(OpsSettings.from(arguments, env), out)
              .run(action, arguments);
        }
        case "refusals" -> {
          arguments.allowOnly(union(COMMON, Set.of("provider")));
          expectWords(arguments, 1);
          yield new RefusalsCommand(OpsSettings.from(arguments, env), out)
              .run(arguments.option("provider"));
        }
        case "trace" -> {
          arguments.allowOnly(COMMON);
          String referralId =
              arguments.word(1).orElseThrow(() -> new UsageException("trace needs a referral id"));
          expectWords(arguments, 2);
          yield new TraceCommand(OpsSettings.from(arguments, env), out).run(referralId);
        }
        default -> throw new UsageException("unknown command " + command);
      };
    } catch (UsageException e) {
      err.println("exchange-ops: " + e.getMessage());
      err.println("Run exchange-ops help for the commands and options.");
      return 2;
    } catch (RuntimeException e) {
      // Client errors name hosts and topics, not record contents; still masked, as in the headers.
      err.println(
          "exchange-ops: failed: "
              + e.getClass().getSimpleName()
              + ": "
              + Redaction.mask(String.valueOf(e.getMessage())));
      return 1;
    }
  }

  private static void expectWords(Arguments arguments, int count) {
    if (arguments.positional().size() > count) {
      throw new UsageException("unexpected " + arguments.positional().get(count));
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
