package org.referralexchange.testing.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates hostile variants of a valid JSON request, reproducibly from a seed: fields removed,
 * renamed or added (including fields the exchange sets itself, to try mass assignment), values
 * replaced by other types, extreme numbers, huge or odd strings and deep nesting, arrays blown past
 * their limits, and the text itself truncated, corrupted or replaced. Starting from a valid request
 * keeps most variants close enough to valid that they reach validation and the consent check, not
 * only the JSON parser.
 *
 * <p>Written here rather than taken from a property-based testing library: jqwik runs on JUnit
 * Platform 1 (this build uses 6), and what the tests need is a seeded generator and a loop.
 */
public final class JsonFuzzer {

  /** One generated request: its body and what was done to the valid one, for failure messages. */
  public record Mutant(String body, String description) {}

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Field names a client must not be able to set; a request naming one is refused. */
  private static final List<String> SERVER_OWNED =
      List.of(
          "status",
          "referralId",
          "consentId",
          "eventId",
          "submittedAt",
          "recordedAt",
          "consentVerified",
          "agencyId",
          "referringAgencyId",
          "clientPseudonym",
          "__proto__");

  private static final List<String> ODD_STRINGS =
      List.of(
          "",
          "   ",
          "\u0000",
          "\uFFFF\uD83D\uDE00\u202E",
          "<script>alert(1)</script>",
          "' OR '1'='1",
          "../../etc/passwd",
          "${jndi:ldap://127.0.0.1/x}",
          "%s%n%x",
          "9999-99-99T99:99:99Z",
          "+0",
          "NaN",
          "\n\r\t");

  private static final String DEEP_MARK = "@@nested-arrays:";

  private final Random random;

  /** The build's seed: the same requests on every run, so a red build is this change's doing. */
  public static final long DEFAULT_SEED = 20261129L;

  /**
   * The seed to use: {@code -Dfuzz.seed=N} to repeat a run, {@code -Dfuzz.seed=random} for a new
   * one each run (exploration, long form; the seed is printed), else {@link #DEFAULT_SEED}.
   */
  public static long seedFromSystemProperty() {
    String given = System.getProperty("fuzz.seed");
    if (given == null || given.isBlank()) {
      return DEFAULT_SEED;
    }
    if (!"random".equals(given.trim())) {
      return Long.parseLong(given.trim());
    }
    long seed = System.nanoTime();
    // Printed whether the run passes or not, so a clean exploratory run can be cited and repeated.
    System.out.println("Fuzzing with seed " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
    return seed;
  }

  public JsonFuzzer(long seed) {
    this.random = new Random(seed);
  }

  /** A variant of {@code validJson} with one to three changes. */
  public Mutant mutate(String validJson) {
    if (random.nextInt(10) == 0) {
      return textMutation(validJson);
    }
    JsonNode root = JSON.readTree(validJson);
    List<String> done = new ArrayList<>();
    int changes = 1 + random.nextInt(3);
    for (int i = 0; i < changes; i++) {
      done.add(treeMutation(root));
    }
    String body = expandDeepNesting(JSON.writeValueAsString(root));
    if (random.nextInt(20) == 0) {
      Mutant text = textMutation(body);
      return new Mutant(text.body(), String.join("; ", done) + "; " + text.description());
    }
    return new Mutant(body, String.join("; ", done));
  }

  /** A random string for a path segment or a query parameter, sometimes plausible. */
  public String pathSegment() {
    return switch (random.nextInt(6)) {
      case 0 -> "ref-" + Long.toHexString(random.nextLong());
      case 1 -> "cns-" + Long.toHexString(random.nextLong());
      case 2 -> "%00";
      case 3 -> "a".repeat(1 + random.nextInt(3000));
      case 4 -> "..%2F..%2Fadmin";
      default -> java.net.URLEncoder.encode(oddString(), StandardCharsets.UTF_8);
    };
  }

  /** A random value for a header such as {@code Idempotency-Key}, or null to leave it out. */
  public String headerValue() {
    return switch (random.nextInt(6)) {
      case 0 -> null;
      case 1 -> "";
      case 2 -> "k".repeat(1 + random.nextInt(600));
      case 3 -> "key with spaces";
      default -> "key-" + Long.toHexString(random.nextLong());
    };
  }

  private String treeMutation(JsonNode root) {
    List<Slot> slots = new ArrayList<>();
    collect(root, "$", slots);
    if (slots.isEmpty()) {
      return "nothing to change";
    }
    Slot slot = slots.get(random.nextInt(slots.size()));
    return switch (random.nextInt(7)) {
      case 0 -> slot.remove();
      case 1, 2 -> slot.replace(randomValue(0));
      case 3 -> addField(root, slot);
      case 4 -> slot.rename("x" + Integer.toHexString(random.nextInt(256)));
      case 5 -> slot.replace(NODES.stringNode(oddString()));
      default -> blowUp(slot);
    };
  }

  private String addField(JsonNode root, Slot near) {
    ObjectNode target = near.parent() instanceof ObjectNode parent ? parent : (ObjectNode) root;
    String name =
        random.nextBoolean()
            ? SERVER_OWNED.get(random.nextInt(SERVER_OWNED.size()))
            : "unknown" + random.nextInt(100);
    target.set(name, randomValue(0));
    return "added " + name;
  }

  private String blowUp(Slot slot) {
    JsonNode value = slot.value();
    if (value instanceof ArrayNode array && !array.isEmpty()) {
      JsonNode first = array.get(0);
      int copies = 20 + random.nextInt(200);
      for (int i = 0; i < copies; i++) {
        array.add(first.deepCopy());
      }
      return slot.path() + " repeated " + copies + " times";
    }
    if (random.nextBoolean()) {
      return slot.replace(NODES.stringNode("x".repeat(1_000 + random.nextInt(80_000))));
    }
    // Written as text after serialization: Jackson refuses to write what is nested this deep.
    int depth = 20 + random.nextInt(2_000);
    slot.replace(NODES.stringNode(DEEP_MARK + depth));
    return slot.path() + " = arrays nested " + depth + " deep";
  }

  private static String expandDeepNesting(String body) {
    java.util.regex.Matcher mark =
        java.util.regex.Pattern.compile("\"" + DEEP_MARK + "(\\d+)\"").matcher(body);
    StringBuilder out = new StringBuilder();
    while (mark.find()) {
      int depth = Integer.parseInt(mark.group(1));
      mark.appendReplacement(out, "[".repeat(depth) + "\"deep\"" + "]".repeat(depth));
    }
    mark.appendTail(out);
    return out.toString();
  }

  private JsonNode randomValue(int depth) {
    return switch (random.nextInt(depth > 2 ? 9 : 11)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(random.nextBoolean());
      case 2 -> NODES.numberNode(random.nextInt());
      case 3 -> NODES.numberNode(Long.MIN_VALUE);
      case 4 -> NODES.numberNode(new java.math.BigDecimal("1e400"));
      case 5 -> NODES.numberNode(-0.5);
      case 6 -> NODES.stringNode(oddString());
      case 7 -> NODES.stringNode("2026-11-29T12:00:00Z");
      case 8 -> NODES.stringNode(Long.toHexString(random.nextLong()));
      case 9 -> {
        ArrayNode array = NODES.arrayNode();
        int size = random.nextInt(4);
        for (int i = 0; i < size; i++) {
          array.add(randomValue(depth + 1));
        }
        yield array;
      }
      default -> {
        ObjectNode object = NODES.objectNode();
        object.set("k" + random.nextInt(10), randomValue(depth + 1));
        yield object;
      }
    };
  }

  private Mutant textMutation(String body) {
    return switch (random.nextInt(6)) {
      case 0 ->
          new Mutant(body.substring(0, random.nextInt(Math.max(1, body.length()))), "truncated");
      case 1 -> {
        char[] chars = body.toCharArray();
        int at = random.nextInt(chars.length);
        chars[at] = (char) random.nextInt(128);
        yield new Mutant(new String(chars), "character " + at + " replaced");
      }
      case 2 -> new Mutant("", "empty body");
      case 3 -> new Mutant(random.nextBoolean() ? "null" : "[]", "not an object");
      case 4 -> new Mutant(body + body, "two documents");
      default -> {
        byte[] bytes = new byte[1 + random.nextInt(200)];
        random.nextBytes(bytes);
        yield new Mutant(new String(bytes, StandardCharsets.ISO_8859_1), "random bytes");
      }
    };
  }

  private String oddString() {
    return ODD_STRINGS.get(random.nextInt(ODD_STRINGS.size()));
  }

  private static void collect(JsonNode node, String path, List<Slot> slots) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.properties().iterator();
      List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
      fields.forEachRemaining(entries::add);
      for (Map.Entry<String, JsonNode> field : entries) {
        String child = path + "." + field.getKey();
        slots.add(new Slot(object, field.getKey(), -1, child));
        collect(field.getValue(), child, slots);
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String child = path + "[" + i + "]";
        slots.add(new Slot(array, null, i, child));
        collect(array.get(i), child, slots);
      }
    }
  }

  /** A place in the tree: a field of an object or an element of an array. */
  private record Slot(JsonNode parent, String field, int index, String path) {

    JsonNode value() {
      return parent instanceof ObjectNode object ? object.get(field) : parent.get(index);
    }

    String remove() {
      if (parent instanceof ObjectNode object) {
        object.remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
      return "removed " + path;
    }

    String replace(JsonNode value) {
      if (parent instanceof ObjectNode object) {
        object.set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
      String shown = value.toString();
      return path
          + " = "
          + (shown.length() > 40 ? shown.substring(0, 40) + "… (" + shown.length() + ")" : shown);
    }

    String rename(String to) {
      if (parent instanceof ObjectNode object && object.has(field)) {
        object.set(to, object.remove(field));
        return "renamed " + path + " to " + to;
      }
      return remove();
    }
  }
}
