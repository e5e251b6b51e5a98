package io.gearbox.examples;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.TaskHandle;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The seed's asyncio example on virtual threads: the fetch code stays plain blocking code, a
 * {@link TaskScope} plays {@code asyncio.gather}, and {@link TaskHandle#cancel()} plays
 * {@code task.cancel()}, interrupting a fetch blocked on its socket.
 *
 * <pre>
 * java -cp ... io.gearbox.examples.SeedAsync
 * </pre>
 */
public final class SeedAsync {

  private SeedAsync() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(100));
        Pool io = Gearbox.virtual()) {
      long start = System.nanoTime();
      gather(io, Collections.nCopies(10, server.uri()));
      System.out.printf("Async: %.2fs%n", (System.nanoTime() - start) / 1e9);

      cancelSlowFetch(io, server.uri().resolve("?ms=5000"), Duration.ofMillis(200));
    }
  }

  /** The seed's {@code fetch_url}, plain blocking code: no async, no await. */
  static int fetchUrl(URI url) {
    int bytes = Workloads.fetch(url);
    System.out.println("Got " + bytes + " bytes");
    return bytes;
  }

  /** {@code await asyncio.gather(*tasks)}: one virtual thread per URL, wait for them all. */
  public static List<Integer> gather(Pool io, List<URI> urls) throws InterruptedException {
    try (TaskScope scope = io.openScope()) {
      List<TaskHandle<Integer>> tasks = new ArrayList<>();
      for (URI url : urls) {
        tasks.add(scope.fork(() -> fetchUrl(url)));
      }
      scope.join(); // the first failure, if any, is thrown here and cancels the others
      return tasks.stream().map(TaskHandle::join).toList();
    }
  }

  /** {@code task.cancel()}: starts a slow fetch, cancels it after a while, reports its state. */
  public static TaskState cancelSlowFetch(Pool io, URI slowUrl, Duration after)
      throws InterruptedException {
    long start = System.nanoTime();
    TaskHandle<Integer> task = io.submit(() -> fetchUrl(slowUrl));
    Thread.sleep(after);
    task.cancel(); // interrupts the virtual thread: its blocked socket read ends at once
    System.out.printf("Slow fetch: %s after %.2fs%n", task.status(), (System.nanoTime() - start) / 1e9);
    return task.status();
  }
}
