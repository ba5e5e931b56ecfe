package org.referralexchange.local;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Components that need only what earlier ones provide, not each other, started at the same time:
 * the three services each spend most of their start-up on one thread (Spring context, then waiting
 * to read their topics), so on two cores starting them together saves seconds. If one fails, the
 * others are stopped and the first failure is thrown.
 */
final class TogetherComponent implements LocalComponent {

  private final String name;
  private final List<LocalComponent> parts;

  TogetherComponent(String name, List<LocalComponent> parts) {
    this.name = name;
    this.parts = List.copyOf(parts);
  }

  @Override
  public String name() {
    return name;
  }

  List<LocalComponent> parts() {
    return parts;
  }

  @Override
  public void start() throws Exception {
    ExecutorService starter =
        Executors.newFixedThreadPool(
            parts.size(),
            runnable -> {
              Thread thread = new Thread(runnable, "local-exchange-start");
              thread.setDaemon(true);
              return thread;
            });
    try {
      List<Future<?>> started = new ArrayList<>();
      for (LocalComponent part : parts) {
        started.add(
            starter.submit(
                () -> {
                  part.start();
                  return null;
                }));
      }
      Exception failure = null;
      for (Future<?> future : started) {
        try {
          future.get();
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause() instanceof Exception cause ? cause : e;
          }
        }
      }
      if (failure != null) {
        stop();
        throw failure;
      }
    } finally {
      starter.shutdown();
    }
  }

  @Override
  public void stop() {
    for (int i = parts.size() - 1; i >= 0; i--) {
      try {
        parts.get(i).stop();
      } catch (RuntimeException e) {
        System.err.println(
            "[local-exchange] " + parts.get(i).name() + " did not stop cleanly: " + e);
      }
    }
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    parts.forEach(part -> lines.putAll(part.describe()));
    return lines;
  }
}
