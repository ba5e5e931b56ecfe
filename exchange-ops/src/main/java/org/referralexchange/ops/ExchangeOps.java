package org.referralexchange.ops;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.referralexchange.ops.cli.CommonOptions;
import org.referralexchange.ops.cli.EnvironmentDefaults;
import org.referralexchange.ops.deadletters.DeadLettersCommand;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.ops.refusals.RefusalsCommand;
import org.referralexchange.ops.trace.TraceCommand;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operators' command line, {@code java -jar exchange-ops.jar <command>}, declared with picocli
 * (which generates the help and parses the options). Each command hands its work to its feature
 * package; nothing here reads Kafka.
 */
@Command(
    name = "exchange-ops",
    description = {
      "The exchange's operator tool: dead letters, refused provider reports and one referral's"
          + " events. Reads without a consumer group, so it commits nothing and moves no"
          + " service's offsets. Never prints client data."
    },
    subcommands = {
      ExchangeOps.DeadLetters.class,
      ExchangeOps.Refusals.class,
      ExchangeOps.Trace.class,
      HelpCommand.class
    },
    synopsisSubcommandLabel = "COMMAND",
    footerHeading = "%nPersonal data:%n",
    footer = ExchangeOps.PERSONAL_DATA,
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {ExchangeOps.DONE, ExchangeOps.FAILED, ExchangeOps.USAGE})
public final class ExchangeOps implements Callable<Integer> {

  /** Avro 1.12 instantiates generated classes only from packages trusted by this property. */
  static final String SERIALIZABLE_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  static final String DONE = "0:done";
  static final String FAILED = "1:nothing found, something refused, or a failure (said on stderr)";
  static final String USAGE = "2:usage error: the message says why";

  static final String PERSONAL_DATA =
      "Values are never printed. A record shows its size and, when it decodes, its event type,"
          + " event id, referral id and status-like fields (status, reason code, stage, channel,"
          + " outcome, provider id); client identity, narrative and free text never. Exception"
          + " messages from the headers are shown masked: line breaks removed, anything quoted"
          + " becomes <quoted>, email addresses <email>, runs of 7+ digits <digits>, cut to "
          + Redaction.MAX_LENGTH
          + " characters. Stack traces are never shown; other headers by name only.";

  @Spec private CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  private boolean help;

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
    PrintWriter stdout = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter stderr = new PrintWriter(err, true, StandardCharsets.UTF_8);
    CommandLine commandLine =
        new CommandLine(new ExchangeOps())
            .setOut(stdout)
            .setErr(stderr)
            .setDefaultValueProvider(new EnvironmentDefaults(env))
            .setExecutionExceptionHandler(
                (e, failed, parsed) -> {
                  // Client errors name hosts and topics, not record contents; still masked.
                  failed
                      .getErr()
                      .println(
                          "exchange-ops: failed: "
                              + e.getClass().getSimpleName()
                              + ": "
                              + Redaction.mask(String.valueOf(e.getMessage())));
                  return 1;
                });
    try {
      return commandLine.execute(args);
    } finally {
      stdout.flush();
      stderr.flush();
    }
  }

  /** No command given: a usage error, with the generated help. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing a command");
  }

  @Command(
      name = "dead-letters",
      description = "What is on the dead-letter topics and why; putting a dead letter back.",
      subcommands = {DeadLetters.List.class, DeadLetters.Replay.class},
      synopsisSubcommandLabel = "(list | replay)",
      exitCodeListHeading = "%nExit status:%n",
      exitCodeList = {DONE, FAILED, USAGE})
  static final class DeadLetters implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    private boolean help;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "dead-letters needs list or replay");
    }

    @Command(
        name = "list",
        description = {
          "Every record on the dead-letter topics (*-dlt), or on one (T or T-dlt): where it is,"
              + " when, its key, its size, its event type and ids if it decodes, where it came"
              + " from and why it was dead-lettered."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:listed (also when there are none)", FAILED, USAGE})
    static final class List implements Callable<Integer> {

      @Mixin private CommonOptions common;

      @Spec private CommandSpec spec;

      @Option(names = "--topic", paramLabel = "T", description = "Only this topic (T or T-dlt).")
      private String topic;

      @Override
      public Integer call() {
        return new DeadLettersCommand(common.settings(), spec.commandLine().getOut())
            .list(Optional.ofNullable(topic));
      }
    }

    @Command(
        name = "replay",
        description = {
          "Writes the dead letter's key, value bytes and headers (without the dead-letter ones)"
              + " back to its original topic (from its original-topic header, else T without"
              + " -dlt), with an idempotent producer and acks=all, waiting for the"
              + " acknowledgement, and adds the header exchange-replayed-from:"
              + " <dlt>/<partition>/<offset>.",
          "A record whose marker is already on the original topic is refused unless --force; the"
              + " check scans that topic. A second copy is harmless anyway: the services"
              + " deduplicate on eventId. Fix the cause first (register the schema, fix the"
              + " provider) or the record fails again."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
          "0:every chosen record replayed",
          "1:a record refused, none at that offset, or no acknowledgement",
          USAGE
        })
    static final class Replay implements Callable<Integer> {

      @Mixin private CommonOptions common;

      @Spec private CommandSpec spec;

      @Option(
          names = "--topic",
          paramLabel = "T",
          required = true,
          description = "The dead-letter topic (T or T-dlt).")
      private String topic;

      @ArgGroup(exclusive = true, multiplicity = "1")
      private Which which;

      @Option(names = "--force", description = "Replay even a record already replayed.")
      private boolean force;

      static final class Which {
        @Option(names = "--all", required = true, description = "Every record on the topic.")
        private boolean all;

        @ArgGroup(exclusive = false, multiplicity = "1")
        private At at;
      }

      static final class At {
        @Option(
            names = "--partition",
            paramLabel = "P",
            required = true,
            description = "The dead letter's partition ...")
        private int partition;

        @Option(
            names = "--offset",
            paramLabel = "N",
            required = true,
            description = "... and offset.")
        private long offset;
      }

      @Override
      public Integer call() {
        Optional<DeadLettersCommand.Position> position =
            Optional.ofNullable(which.at)
                .map(at -> new DeadLettersCommand.Position(at.partition, at.offset));
        return new DeadLettersCommand(common.settings(), spec.commandLine().getOut())
            .replay(topic, position, force);
      }
    }
  }

  @Command(
      name = "refusals",
      description = {
        "The provider reports the lifecycle refused (a status no path reaches, such as a"
            + " completed referral's Task edited back), one per referral and version of the"
            + " provider's record, oldest first: when, provider, referral, version, the status"
            + " reported against the one recorded, the refusing policy and its reason."
      },
      exitCodeListHeading = "%nExit status:%n",
      exitCodeList = {"0:listed (also when there are none)", FAILED, USAGE})
  static final class Refusals implements Callable<Integer> {

    @Mixin private CommonOptions common;

    @Spec private CommandSpec spec;

    @Option(names = "--provider", paramLabel = "P", description = "Only this provider's.")
    private String provider;

    @Override
    public Integer call() {
      return new RefusalsCommand(common.settings(), spec.commandLine().getOut())
          .run(Optional.ofNullable(provider));
    }
  }

  @Command(
      name = "trace",
      description = {
        "Every event about one referral on referral.submitted, referral.delivered,"
            + " referral.status-changed, referral.overdue, referral.report-refused, notifications"
            + " and their dead-letter topics, in time order: time, topic/partition@offset, event"
            + " type, ids, status fields.",
        "Scans every partition from the beginning (no consumer group): fine for one question,"
            + " slow on a large log."
      },
      exitCodeListHeading = "%nExit status:%n",
      exitCodeList = {"0:events found", "1:no event about that referral, or a failure", USAGE})
  static final class Trace implements Callable<Integer> {

    @Mixin private CommonOptions common;

    @Spec private CommandSpec spec;

    @Parameters(paramLabel = "REFERRAL_ID", description = "The referral's id (the topics' key).")
    private String referralId;

    @Override
    public Integer call() {
      return new TraceCommand(common.settings(), spec.commandLine().getOut()).run(referralId);
    }
  }
}
