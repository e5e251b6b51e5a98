package app;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The README's first code sample, compiled: the part between the README markers is the README's
 * block, word for word (the consumer project's test compares them). Not run by the tests, since
 * it fetches URLs.
 */
public final class FirstSample {

  private FirstSample() {}

  /**
   * Fetches the URLs given, then the last one with a 2 s deadline.
   *
   * @param args URLs
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    List<String> urls = List.of(args);
    String slowUrl = urls.getLast();
    // README:begin
    try (Pool io = Gearbox.virtual(); Pool cpu = Gearbox.cpu()) {
      // 10,000 blocking fetches at once, plain code, no callbacks (the seed's asyncio.gather)
      List<Integer> sizes = io.map(url -> fetch(url), urls).toList();

      // hand CPU work from an I/O task to all cores (the seed's run_in_executor; no GIL on the JVM)
      long primes = io.invoke(() -> cpu.invoke(() -> countPrimes(5_000_000)));

      // a deadline, a handle, and where the time went
      TaskHandle<Integer> h = io.submit(() -> fetch(slowUrl),
          TaskOptions.named("slow").withTimeout(Duration.ofSeconds(2)));
      h.await(Duration.ofSeconds(5));
      System.out.println(h.status() + " " + h.timings());   // TIMED_OUT TaskTimings[...]
    }
    // README:end
  }

  // README:begin
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Plain blocking code. map's Function cannot throw checked exceptions: wrap them. */
  static int fetch(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofByteArray()).body().length;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // cancelled: keep the interrupt, end the task
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Plain CPU-bound code. */
  static long countPrimes(int n) {
    long count = 0;
    for (int i = 2; i < n; i++) {
      boolean prime = true;
      for (int d = 2; (long) d * d <= i && prime; d++) {
        prime = i % d != 0;
      }
      count += prime ? 1 : 0;
    }
    return count;
  }
  // README:end
}
