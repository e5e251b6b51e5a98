package io.gearbox.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolKind;
import io.gearbox.testing.Leaks;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard mounted at the root, as {@code gearbox serve} mounts it, beside the server's own
 * routes: the page needs no redirect and its parts resolve, and the server's routes still answer.
 */
@ServerTest
class DashboardAtRootTest {

  private static final Pool IO = Gearbox.virtualBuilder().name("handlers").build();

  private final Http1Client client;

  DashboardAtRootTest(Http1Client client) {
    this.client = client;
  }

  @SetUpRoute
  static void routing(HttpRouting.Builder routing) {
    routing.get("/hello", (req, res) -> res.send(IO.invoke(() -> "hello")))
        .register("/", GearboxDashboard.of(IO));
  }

  @AfterAll
  static void closePool() throws Exception {
    IO.close();
    Leaks.check();
  }

  @Test
  void root_servesThePageItsPartsAndLeavesOtherRoutesAlone() {
    ClientResponseTyped<String> page = client.get("/").request(String.class);
    assertThat(page.status()).isEqualTo(Status.OK_200);
    assertThat(page.entity()).contains("<title>Gearbox pools</title>");
    assertThat(client.get("/uplot.js").request(String.class).status()).isEqualTo(Status.OK_200);
    assertThat(client.get("/hello").request(String.class).entity()).isEqualTo("hello");
    assertThat(client.get("/stats").request(String.class).entity())
        .contains("\"name\":\"handlers\"", "\"succeeded\":1");
  }
}
