package io.gearbox.web.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream client against a scripted server on 127.0.0.1: each accepted connection answers
 * requests with the scripted answers, in order, then closes.
 */
class UpstreamClientTest {

  private static final long LONG = (long) (10_000_000_000L * Upstreams.FACTOR);

  private ServerSocket socket;
  private Thread acceptor;
  private final AtomicInteger connections = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    if (socket != null) {
      socket.close();
      acceptor.interrupt(); // ends a scripted sleep
      acceptor.join(LONG / 1_000_000);
      assertThat(acceptor.isAlive()).isFalse();
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  /** Serves each connection: answer i of the script for its i-th request; then closes it. */
  private URI serve(Function<Integer, List<String>> scriptOfConnection) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().name("scripted-upstream").start(() -> {
      while (!socket.isClosed()) {
        try (Socket c = socket.accept()) {
          List<String> script = scriptOfConnection.apply(connections.incrementAndGet());
          InputStream in = c.getInputStream();
          OutputStream out = c.getOutputStream();
          for (String answer : script) {
            if (!readHead(in)) {
              break;
            }
            if (answer.startsWith("sleep ")) {
              Thread.sleep(Long.parseLong(answer.substring(6)));
              continue;
            }
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
          }
        } catch (IOException | InterruptedException e) {
          // closed: the test is over
        }
      }
    });
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
  }

  private static boolean readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int b = in.read(); b >= 0; b = in.read()) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        return true;
      }
    }
    return false;
  }

  private static long deadline() {
    return System.nanoTime() + LONG;
  }

  private static final String OK_5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

  @Test
  void keepsTheConnectionForTheNextRequest() throws Exception {
    URI uri = serve(n -> List.of(OK_5, OK_5, OK_5));
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      for (int i = 0; i < 3; i++) {
        assertThat(client.get("/delay/000", deadline())).isEqualTo(new UpstreamClient.Answer(200, 5));
      }
    }
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void readsChunkedBodiesAndBodiesUpToTheClose() throws Exception {
    URI uri = serve(n -> n == 1
        ? List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n",
            "HTTP/1.0 503 Busy\r\n\r\n0123456789")
        : List.of(OK_5));
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      assertThat(client.get("/a", deadline())).isEqualTo(new UpstreamClient.Answer(200, 7));
      assertThat(client.get("/b", deadline())).isEqualTo(new UpstreamClient.Answer(503, 10));
      assertThat(connections.get()).as("the chunked answer kept its connection").isEqualTo(1);
      assertThat(client.get("/c", deadline())).isEqualTo(new UpstreamClient.Answer(200, 5));
      assertThat(connections.get()).as("HTTP/1.0 without a length closed it").isEqualTo(2);
    }
  }

  @Test
  void resendsOnAFreshConnectionWhenAKeptOneWasClosed() throws Exception {
    URI uri = serve(n -> List.of(OK_5)); // every connection answers once, then closes silently
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      assertThat(client.get("/1", deadline()).status()).isEqualTo(200);
      assertThat(client.get("/2", deadline()).status()).isEqualTo(200);
    }
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void aSlowAnswerTimesOutAtTheDeadline() throws Exception {
    URI uri = serve(n -> List.of("sleep " + LONG / 1_000_000));
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      assertThatThrownBy(() -> client.get("/slow", System.nanoTime() + 200_000_000L))
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void somethingThatIsNotHttpIsAnIoError() throws Exception {
    URI uri = serve(n -> List.of("SSH-2.0-OpenSSH\r\n"));
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      assertThatThrownBy(() -> client.get("/", deadline()))
          .isInstanceOf(IOException.class).hasMessage("not an HTTP answer: 'SSH-2.0-OpenSSH'");
    }
  }

  @Test
  void anInterruptStopsAWaitingFetch() throws Exception {
    URI uri = serve(n -> List.of("sleep " + LONG / 1_000_000));
    try (UpstreamClient client = new UpstreamClient(uri, 8)) {
      Throwable[] thrown = new Throwable[1];
      Thread fetcher = Thread.ofVirtual().start(() -> {
        try {
          client.get("/slow", deadline());
        } catch (Throwable t) {
          thrown[0] = t;
        }
      });
      while (connections.get() == 0) {
        Thread.sleep(5);
      }
      Thread.sleep(50); // let the request reach its read
      fetcher.interrupt();
      fetcher.join(LONG / 1_000_000);
      assertThat(fetcher.isAlive()).isFalse();
      assertThat(thrown[0]).isInstanceOf(InterruptedException.class);
    }
  }
}
