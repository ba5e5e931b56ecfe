package org.referralexchange.ops.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command line split into positional words and {@code --name value} / {@code --name=value}
 * options. Flags (options without a value) are named up front so {@code --all} never swallows the
 * next word.
 */
public final class Arguments {

  private final List<String> positional;
  private final Map<String, String> options;

  private Arguments(List<String> positional, Map<String, String> options) {
    this.positional = List.copyOf(positional);
    this.options = Map.copyOf(options);
  }

  /**
   * Parses {@code args}.
   *
   * @param flags options that take no value
   * @throws UsageException on an option without its value or given twice
   */
  public static Arguments parse(String[] args, Set<String> flags) {
    List<String> positional = new ArrayList<>();
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        positional.add(arg);
        continue;
      }
      String name = arg.substring(2);
      String value;
      int equals = name.indexOf('=');
      if (equals >= 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      } else if (flags.contains(name)) {
        value = "true";
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new UsageException("--" + name + " needs a value");
      }
      if (options.put(name, value) != null) {
        throw new UsageException("--" + name + " is given twice");
      }
    }
    return new Arguments(positional, options);
  }

  /** The words that are not options, in order. */
  public List<String> positional() {
    return positional;
  }

  /** The positional word at {@code index}, if there is one. */
  public Optional<String> word(int index) {
    return index < positional.size() ? Optional.of(positional.get(index)) : Optional.empty();
  }

  /** The value of {@code --name}, if given. */
  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /** Whether the flag {@code --name} is given. */
  public boolean flag(String name) {
    return options.containsKey(name);
  }

  /** The value of {@code --name} as a number. */
  public Optional<Long> number(String name) {
    return option(name)
        .map(
            value -> {
              try {
                return Long.parseLong(value.trim());
              } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a number, not " + value);
              }
            });
  }

  /** Refuses options this command does not know, so a typo is not silently ignored. */
  public void allowOnly(Set<String> known) {
    for (String name : options.keySet()) {
      if (!known.contains(name)) {
        throw new UsageException("unknown option --" + name);
      }
    }
  }
}
