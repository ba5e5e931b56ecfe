package org.referralexchange.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.referralexchange.registry.Schemas.field;
import static org.referralexchange.registry.Schemas.record;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.registry.RegistryInstance.Response;

/**
 * Two instances on one topic, no leader: concurrent registrations through both must end with one id
 * per schema, one schema per id, gapless versions, and both instances answering alike.
 */
class TwoInstancesTests {

  private static final String SHARED = "shared-value";
  private static RegistryInstance first;
  private static RegistryInstance second;

  @BeforeAll
  static void start() {
    String topic = RegistryInstance.freshTopic();
    first = RegistryInstance.start(topic);
    second = RegistryInstance.start(topic);
  }

  @AfterAll
  static void stop() {
    first.close();
    second.close();
  }

  /** One registration: which instance, which subject, which schema. */
  record Task(RegistryInstance via, String subject, String schema) {

    String canonical() {
      return new Schema.Parser().parse(schema).toString();
    }
  }

  @Test
  void concurrentRegistrationsThroughBothInstancesGetDistinctIdsAndBothAgreeOnEverything()
      throws Exception {
    first.put("/config/" + SHARED, "{\"compatibility\":\"NONE\"}");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> second.get("/config/" + SHARED).status() == 200);
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String subject = i < 8 ? SHARED : "own-" + i + "-value";
      tasks.add(
          new Task(
              i % 2 == 0 ? first : second, subject, record("Event" + i, field("f" + i, "string"))));
    }
    String common = record("Common", field("c", "string"));
    tasks.add(new Task(first, "common-a-value", common));
    tasks.add(new Task(second, "common-b-value", common));

    List<Response> answers = registerAllAtOnce(tasks);

    assertThat(answers).extracting(Response::status).containsOnly(200);
    List<Integer> ids = answers.stream().map(a -> a.json().get("id").asInt()).toList();
    assertThat(new HashSet<>(ids.subList(0, 16))).as("distinct schemas, distinct ids").hasSize(16);
    assertThat(ids.get(16)).as("one schema, one id").isEqualTo(ids.get(17));
    assertThat(ids.subList(0, 16)).doesNotContain(ids.get(16));

    Set<String> subjects = new HashSet<>();
    tasks.forEach(t -> subjects.add(t.subject()));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(second.get("/subjects").json().size()).isEqualTo(subjects.size());
              assertThat(first.get("/subjects").json().size()).isEqualTo(subjects.size());
            });
    assertThat(second.get("/subjects").body()).isEqualTo(first.get("/subjects").body());
    for (int i = 0; i < tasks.size(); i++) {
      for (RegistryInstance instance : List.of(first, second)) {
        Response byId = instance.get("/schemas/ids/" + ids.get(i));
        assertThat(byId.status()).isEqualTo(200);
        assertThat(byId.json().get("schema").asString()).isEqualTo(tasks.get(i).canonical());
      }
    }
    for (String subject : subjects) {
      assertThat(second.get("/subjects/" + subject + "/versions").body())
          .isEqualTo(first.get("/subjects/" + subject + "/versions").body());
      Response latest = first.get("/subjects/" + subject + "/versions/latest");
      assertThat(second.get("/subjects/" + subject + "/versions/latest").body())
          .isEqualTo(latest.body());
    }
    assertThat(first.get("/subjects/" + SHARED + "/versions").body())
        .isEqualTo("[1,2,3,4,5,6,7,8]");
    Set<Integer> sharedIds = new HashSet<>();
    for (int version = 1; version <= 8; version++) {
      int id = first.get("/subjects/" + SHARED + "/versions/" + version).json().get("id").asInt();
      assertThat(
              second.get("/subjects/" + SHARED + "/versions/" + version).json().get("id").asInt())
          .isEqualTo(id);
      sharedIds.add(id);
    }
    assertThat(sharedIds).containsExactlyInAnyOrderElementsOf(ids.subList(0, 8));
  }

  private static List<Response> registerAllAtOnce(List<Task> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Response>> futures = new ArrayList<>();
      for (Task task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return task.via()
                      .post(
                          "/subjects/" + task.subject() + "/versions",
                          RegistryInstance.schemaBody(task.schema()));
                }));
      }
      go.countDown();
      List<Response> answers = new ArrayList<>();
      for (Future<Response> future : futures) {
        answers.add(future.get(60, TimeUnit.SECONDS));
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }
}
