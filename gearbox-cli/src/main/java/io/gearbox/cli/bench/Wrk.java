package io.gearbox.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code wrk} (the HTTP load generator, Debian package {@code wrk}) and reads its report:
 * requests per second, the latency percentiles of {@code --latency}, and its error counts.
 *
 * <p>wrk needs a file descriptor per connection; it is started through {@code sh} with the soft
 * limit raised to the hard one ({@code ulimit -n}).
 */
final class Wrk {

  /** What one wrk run measured. Latencies in milliseconds; -1 where wrk printed none. */
  record Result(long requests, double seconds, double requestsPerSecond, double p50, double p90,
      double p99, double max, long connectErrors, long readErrors, long writeErrors, long timeouts,
      long non2xx, String output) {

    /** Requests that did not get a 2xx or 3xx answer in time: socket errors, timeouts, non-2xx. */
    long errors() {
      return connectErrors + readErrors + writeErrors + timeouts + non2xx;
    }
  }

  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m|h)");
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|90|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern LATENCY_MAX = Pattern.compile(
      "Latency\\s+[0-9.]+(?:us|ms|s|m|h)\\s+[0-9.]+(?:us|ms|s|m|h)\\s+([0-9.]+)(us|ms|s|m|h)");
  private static final Pattern SOCKET_ERRORS = Pattern.compile(
      "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private Wrk() {}

  /** The wrk on the PATH, or null. */
  static Path find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, "wrk");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  /** The command line of one run (through sh, to raise the descriptor limit first). */
  static List<String> command(Path wrk, String url, int connections, int threads, double seconds,
      double timeoutSeconds) {
    String wrkLine = String.format(Locale.ROOT, "exec '%s' -t%d -c%d -d%.0fs --timeout %.0fs --latency '%s'",
        wrk, threads, connections, Math.max(1, Math.ceil(seconds)), Math.ceil(timeoutSeconds), url);
    return List.of("sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; " + wrkLine);
  }

  /** Starts one run; read it with {@link #finish}. */
  static Process start(List<String> command, Path outFile) throws IOException {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outFile.toFile()).start();
  }

  /**
   * Waits for a run started with {@link #start} and parses its report.
   *
   * @throws IOException if wrk failed or printed no report (its output is in the message)
   */
  static Result finish(Process wrk, Path outFile, double seconds) throws IOException, InterruptedException {
    if (!wrk.waitFor((long) (seconds + 60), TimeUnit.SECONDS)) {
      wrk.destroyForcibly();
      wrk.waitFor();
      throw new IOException("wrk did not finish within " + (seconds + 60) + " s");
    }
    String output = Files.readString(outFile);
    if (wrk.exitValue() != 0) {
      throw new IOException("wrk exited with " + wrk.exitValue() + ": " + output.strip());
    }
    return parse(output);
  }

  /**
   * Reads wrk's report.
   *
   * @throws IOException if the report has no request count
   */
  static Result parse(String output) throws IOException {
    Matcher requests = REQUESTS.matcher(output);
    Matcher rps = RPS.matcher(output);
    if (!requests.find() || !rps.find()) {
      throw new IOException("wrk printed no report: " + output.strip().replaceAll("\\s*\\R\\s*", " "));
    }
    double p50 = -1;
    double p90 = -1;
    double p99 = -1;
    Matcher p = PERCENTILE.matcher(output);
    while (p.find()) {
      double ms = millis(p.group(2), p.group(3));
      switch (p.group(1)) {
        case "50" -> p50 = ms;
        case "90" -> p90 = ms;
        default -> p99 = ms;
      }
    }
    Matcher max = LATENCY_MAX.matcher(output);
    Matcher socket = SOCKET_ERRORS.matcher(output);
    boolean errors = socket.find();
    Matcher non2xx = NON_2XX.matcher(output);
    return new Result(
        Long.parseLong(requests.group(1)),
        millis(requests.group(2), requests.group(3)) / 1e3,
        Double.parseDouble(rps.group(1)),
        p50, p90, p99,
        max.find() ? millis(max.group(1), max.group(2)) : -1,
        errors ? Long.parseLong(socket.group(1)) : 0,
        errors ? Long.parseLong(socket.group(2)) : 0,
        errors ? Long.parseLong(socket.group(3)) : 0,
        errors ? Long.parseLong(socket.group(4)) : 0,
        non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0,
        output);
  }

  private static double millis(String value, String unit) {
    double v = Double.parseDouble(value);
    return switch (unit) {
      case "us" -> v / 1e3;
      case "ms" -> v;
      case "s" -> v * 1e3;
      case "m" -> v * 60e3;
      default -> v * 3600e3;
    };
  }

  /** The lines of a report, for an error message. */
  static List<String> lines(String output) {
    return new ArrayList<>(output.lines().toList());
  }
}
