package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Start order, stop order and clean-up after a failed start, with stand-in components. */
class LocalExchangeTests {

  private final List<String> events = new ArrayList<>();

  @Test
  void startsComponentsInOrderAndStopsThemInReverse() throws Exception {
    LocalExchange exchange =
        new LocalExchange(List.of(new Recording("kafka"), new Recording("registry")));

    exchange.start();
    exchange.stop();

    assertThat(events)
        .containsExactly("start kafka", "start registry", "stop registry", "stop kafka");
  }

  @Test
  void stopsWhatAlreadyStartedWhenALaterComponentFails() {
    LocalExchange exchange =
        new LocalExchange(
            List.of(new Recording("kafka"), new Failing("registry"), new Recording("gateway")));

    assertThatThrownBy(exchange::start)
        .isInstanceOf(LocalStartupException.class)
        .hasMessage("registry cannot start");
    assertThat(events)
        .containsExactly("start kafka", "start registry", "stop registry", "stop kafka");
  }

  @Test
  void stoppingTwiceStopsEachComponentOnce() throws Exception {
    LocalExchange exchange = new LocalExchange(List.of(new Recording("kafka")));
    exchange.start();

    exchange.stop();
    exchange.stop();

    assertThat(events).containsExactly("start kafka", "stop kafka");
  }

  @Test
  void listsEveryComponentsAddresses() throws Exception {
    LocalExchange exchange =
        new LocalExchange(List.of(new Recording("kafka"), new Recording("registry")));
    exchange.start();

    assertThat(exchange.addresses())
        .contains("kafka address", "kafka:1")
        .contains("registry address", "registry:1");
  }

  private class Recording implements LocalComponent {
    private final String name;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void start() {
      events.add("start " + name);
    }

    @Override
    public void stop() {
      events.add("stop " + name);
    }

    @Override
    public Map<String, String> describe() {
      return Map.of(name + " address", name + ":1");
    }
  }

  private class Failing extends Recording {
    Failing(String name) {
      super(name);
    }

    @Override
    public void start() {
      super.start();
      throw new LocalStartupException(name() + " cannot start");
    }
  }
}
