package io.gearbox.examples;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.TaskHandle;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The seed's threading example: fetch 10 URLs one after another, then on 10 platform threads.
 * While one thread waits for its answer the others wait too, so the threaded run takes about as
 * long as one fetch.
 *
 * <pre>
 * java -cp ... io.gearbox.examples.SeedThreading
 * </pre>
 */
public final class SeedThreading {

  private SeedThreading() {}

  public static void main(String[] args) throws IOException {
    // A local stand-in for https://example.com that answers after 100 ms.
    try (LatencyServer server = LatencyServer.start(Duration.ofMillis(100))) {
      run(Collections.nCopies(10, server.uri()));
    }
  }

  /** The seed's {@code fetch_url}. */
  static void fetchUrl(URI url) {
    int bytes = Workloads.fetch(url);
    System.out.println("Got " + bytes + " bytes from " + url);
  }

  /** Fetches the URLs sequentially, then one per thread, printing both times. */
  public static void run(List<URI> urls) {
    // Sequential
    long start = System.nanoTime();
    for (URI url : urls) {
      fetchUrl(url);
    }
    System.out.printf("Sequential: %.2fs%n", (System.nanoTime() - start) / 1e9);

    // Threaded: one platform thread per URL, like threading.Thread(target=fetch_url)
    start = System.nanoTime();
    try (Pool pool = Gearbox.threads(urls.size())) {
      List<TaskHandle<?>> threads = new ArrayList<>();
      for (URI url : urls) {
        threads.add(pool.submit(() -> {
          fetchUrl(url);
          return null;
        }));
      }
      for (TaskHandle<?> t : threads) {
        t.join(); // t.join(), as in the seed; rethrows if the fetch failed
      }
    }
    System.out.printf("Threaded: %.2fs%n", (System.nanoTime() - start) / 1e9);
  }
}
