package io.gearbox.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;

/** The seed's two workloads: fetching a URL (I/O-bound) and {@code compute_heavy} (CPU-bound). */
public final class Workloads {

  /** How long a fetch may take to connect or to read before it fails. */
  public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);

  private Workloads() {}

  /**
   * The seed's {@code compute_heavy(n)}: sum {@code 0 .. n * 10,000,000 - 1} in a plain loop, as
   * the seed writes it. The JIT compiles it to a tight machine loop, so it runs far faster than
   * CPython's interpreter does it; {@code scale} makes the work big enough to measure.
   *
   * @param n the seed's argument (1 to 4 in its example)
   * @param scale multiplies the seed's 10,000,000 (1.0 is the seed's size)
   */
  public static long computeHeavy(int n, double scale) {
    long limit = (long) (n * 10_000_000L * scale);
    long result = 0;
    for (long i = 0; i < limit; i++) {
      result += i;
    }
    return result;
  }

  /**
   * The seed's {@code fetch_url}: a blocking HTTP GET that reads the whole body.
   *
   * @return the number of body bytes read
   * @throws UncheckedIOException if the URL cannot be fetched
   */
  public static int fetch(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout((int) FETCH_TIMEOUT.toMillis());
      connection.setReadTimeout((int) FETCH_TIMEOUT.toMillis());
      try (InputStream in = connection.getInputStream()) {
        return in.readAllBytes().length;
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not fetch " + uri + ": " + e.getMessage(), e);
    }
  }
}
