package io.gearbox.web.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The server users start: the service, the dashboard at {@code /}, and stop. */
class HybridServerTest {

  @Test
  void servesTheRoutesAndTheDashboardThenStopsAndClosesThePools() throws Exception {
    try (DelayServer upstream = DelayServer.start();
        HttpClient client = HttpClient.newHttpClient()) {
      HybridService service = HybridService.builder(upstream.uri()).build();
      HybridServer server = HybridServer.start(service, "127.0.0.1", 0, Duration.ofSeconds(5));
      int port = server.port();
      try {
        URI base = server.uri();
        HttpResponse<String> io = client.send(HttpRequest.newBuilder(base.resolve("io?ms=1")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(io.statusCode()).isEqualTo(200);
        assertThat(io.body()).isEqualTo("{\"route\":\"io\",\"ms\":1,\"bytes\":" + DelayServer.BODY_BYTES
            + ",\"handlers\":\"hybrid\"}");
        HttpResponse<String> stats = client.send(HttpRequest.newBuilder(base.resolve("stats")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).contains("\"name\":\"cpu\"");
      } finally {
        assertThat(server.stop()).as("the pools terminated").isTrue();
      }
      assertThat(server.stop()).as("a second stop returns at once").isTrue();
      assertThat(service.pool().isTerminated()).isTrue();
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
          .isInstanceOf(ConnectException.class);
    }
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void aPortInUseIsAClearErrorAndClosesTheService() throws IOException {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HybridService service = HybridService.builder(URI.create("http://127.0.0.1:9/")).build();
      assertThatThrownBy(() -> HybridServer.start(service, "127.0.0.1", taken.getLocalPort(), Duration.ZERO))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
      assertThat(service.pool().isTerminated()).isTrue();
    }
  }

  @Test
  void badArgumentsAreRefused() {
    HybridService service = HybridService.builder(URI.create("http://127.0.0.1:9/")).build();
    try {
      assertThatThrownBy(() -> HybridServer.start(service, "127.0.0.1", 70_000, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be from 0 to 65535, was 70000");
      assertThatThrownBy(() -> HybridServer.start(service, "127.0.0.1", 0, Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> HybridService.builder(URI.create("ftp://x/")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("upstream must be an http:// or https:// URL, was ftp://x/");
      assertThatThrownBy(() -> HybridService.builder(URI.create("http://x/")).requestTimeout(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      service.close(Duration.ZERO);
    }
  }
}
