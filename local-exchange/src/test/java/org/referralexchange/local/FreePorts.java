package org.referralexchange.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for the exchange a test starts, each free when picked and never picked twice in
 * the JVM.
 *
 * <p>They come from below the kernel's ephemeral range (32768 and up on Linux), not from {@code
 * bind(0)}: a part stopped and started again (the broker, the mail catcher, a killed service) must
 * get its port back, and in between any outgoing connection of this or another JVM could be handed
 * an ephemeral one. The module's tests run in two JVMs at once ({@code surefire.forkNumber}, as
 * {@value #FORK}), and each JVM takes its own share of the range, so the two never pick the same
 * port between the pick and the use. A random start inside the share keeps two builds on the same
 * machine apart as well as {@code bind(0)} would.
 */
final class FreePorts {

  static final String FORK = "exchange.test.fork";

  private static final int LOW = 20_000;
  private static final int SHARE = 3_000;
  private static final int SHARES = 4;

  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A loopback port that was free a moment ago and that this JVM has not handed out before. */
  static int next() {
    int fork = Integer.getInteger(FORK, 0);
    int low = fork > 0 ? LOW + ((fork - 1) % SHARES) * SHARE : LOW;
    int size = fork > 0 ? SHARE : SHARE * SHARES;
    int start = ThreadLocalRandom.current().nextInt(size);
    for (int i = 0; i < size; i++) {
      int port = low + (start + i) % size;
      if (handedOut.add(port)) {
        if (free(port)) {
          return port;
        }
        handedOut.remove(port);
      }
    }
    throw new IllegalStateException("no free loopback port in " + low + "-" + (low + size - 1));
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
