package io.gearbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.testing.Leaks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code gearbox serve}: bad flags in-process (usage and exit 2), and the SIGTERM drain on a real
 * child JVM with a real signal.
 */
@ExtendWith(Leaks.class)
class ServeCommandTest {

  private static final double FACTOR =
      Double.parseDouble(System.getProperty("gearbox.test.delayFactor", "1"));
  private static final Duration LONG = Duration.ofMillis((long) (60_000 * FACTOR));
  private static final Pattern LISTENING =
      Pattern.compile("gearbox serve: hybrid handlers on http://127\\.0\\.0\\.1:(\\d+)/");
  private static final Pattern RUNNING = Pattern.compile("\"running\":(\\d+)");

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = { // the messages quote with '
      "--port=70000                | --port must be from 0 to 65535, was 70000",
      "--port=x                    | Invalid value for option '--port'",
      "--handlers=fast             | --handlers: unknown handlers 'fast': expected hybrid, virtual, threads or auto",
      "--upstream=ftp://example.com | --upstream must be an http:// or https:// URL, was 'ftp://example.com'",
      "--upstream=not a url        | --upstream must be an http:// or https:// URL",
      "--request-timeout=0         | --request-timeout must be more than 0",
      "--request-timeout=soon      | 'soon' is not a duration (examples: 500ms, 10s, 2m, 1.5)",
      "--grace=-1s                 | '-1s' is not a duration from 0 up",
      "--queue=-1                  | --queue must be 0 or more, was -1",
      "--bogus                     | Unknown option: '--bogus'",
  })
  void badFlagsGiveUsageAndExit2(String flag, String message) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "serve", flag);
    assertThat(code).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains(message).contains("Usage: gearbox serve");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aPortInUseIsOneLineAndExit1() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true),
          "serve", "--port", String.valueOf(taken.getLocalPort()));
      assertThat(code).as(err.toString()).isEqualTo(1);
      assertThat(err.toString().lines().toList()).as(err.toString()).containsExactly(
          "gearbox: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
      assertThat(out.toString()).isEmpty();
    }
  }

  @Test
  void sigtermLetsRequestsInFlightFinishRefusesNewOnesAndExits0() throws Exception {
    Path errFile = Files.createTempFile("serve", ".err");
    Path outFile = Files.createTempFile("serve", ".out");
    Process serve = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
        "io.gearbox.cli.Main", "serve", "--port", "0", "--grace", LONG.toMillis() + "ms",
        "--request-timeout", LONG.toMillis() + "ms")
        .redirectError(errFile.toFile())
        .redirectOutput(outFile.toFile())
        .start();
    ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    try {
      int port = awaitPort(serve, outFile, errFile);

      // two requests of 300 ms of CPU each, in flight on the CPU pool when the signal comes
      int inFlight = 2;
      List<Future<String>> held = new ArrayList<>();
      for (int i = 0; i < inFlight; i++) {
        held.add(clients.submit(() -> get(port, "/burn?ms=300")));
      }
      long deadline = System.nanoTime() + LONG.toNanos();
      while (running(get(port, "/stats")) < inFlight) {
        assertThat(System.nanoTime()).as("the burns start within %s", LONG).isLessThan(deadline);
        Thread.sleep(10);
      }

      serve.destroy(); // SIGTERM

      // new connections are refused while the server drains
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
          Thread.sleep(5);
        } catch (ConnectException e) {
          refused = true;
        }
      }
      assertThat(refused).as("a new connection is refused after SIGTERM").isTrue();
      for (Future<String> request : held) {
        assertThat(request.get(LONG.toMillis(), TimeUnit.MILLISECONDS))
            .as("a request in flight at the signal completes").startsWith("HTTP/1.1 200")
            .contains("\"route\":\"burn\"");
      }
      assertThat(serve.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS)).as("serve exits").isTrue();
      assertThat(serve.exitValue()).as(Files.readString(errFile)).isZero();
      assertThat(Files.readString(outFile)).as(Files.readString(errFile)).contains("gearbox serve: stopped");
    } finally {
      serve.destroyForcibly();
      serve.waitFor();
      clients.shutdownNow();
      clients.close();
      Files.deleteIfExists(errFile);
      Files.deleteIfExists(outFile);
    }
  }

  private static int awaitPort(Process serve, Path outFile, Path errFile) throws Exception {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(outFile));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!serve.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("serve did not say where it listens: " + Files.readString(errFile));
  }

  private static int running(String stats) {
    int max = 0;
    Matcher m = RUNNING.matcher(stats);
    while (m.find()) {
      max = Math.max(max, Integer.parseInt(m.group(1)));
    }
    return max;
  }

  /**
   * A GET on a connection of its own, closed after the answer (read up to its Content-Length: the
   * server may keep the connection open even when asked to close it): the whole answer as text.
   */
  static String get(int port, String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) LONG.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed after '" + head + "'");
        }
        head.append((char) b);
      }
      Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      if (!length.find()) {
        throw new IOException("no Content-Length in '" + head + "'");
      }
      byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
      return head + new String(body, StandardCharsets.UTF_8);
    }
  }

  private static String javaCommand() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
