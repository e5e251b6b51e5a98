package io.gearbox.web;

import io.gearbox.Pool;
import io.gearbox.PoolStats;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Objects;

/**
 * A live view of Gearbox pools, as a Helidon {@link HttpService} that users mount into their own
 * routing: {@code routing.register("/gearbox", GearboxDashboard.of(cpu, io))}.
 *
 * <p>Serves {@code /stats}: a JSON snapshot of every pool.
 *
 * <p>Thread safety: safe to share; each request reads the pools' stats afresh.
 */
public final class GearboxDashboard implements HttpService {
  private final List<Pool> pools;

  private GearboxDashboard(List<Pool> pools) {
    this.pools = pools;
  }

  /**
   * A dashboard of these pools, in this order.
   *
   * @throws NullPointerException if {@code pools} or any pool is null
   * @throws IllegalArgumentException if no pool is given
   */
  public static GearboxDashboard of(Pool... pools) {
    Objects.requireNonNull(pools, "pools");
    if (pools.length == 0) throw new IllegalArgumentException("a dashboard needs at least one pool");
    for (Pool p : pools) Objects.requireNonNull(p, "a pool given to the dashboard is null");
    return new GearboxDashboard(List.of(pools));
  }

  /** The pools shown, in order. */
  public List<Pool> pools() {
    return pools;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/stats", this::stats);
  }

  private void stats(ServerRequest req, ServerResponse res) {
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(statsJson());
  }

  /** A JSON snapshot of every pool's stats. */
  String statsJson() {
    StringBuilder b = new StringBuilder("{\"pools\":[");
    for (int i = 0; i < pools.size(); i++) {
      PoolStats s = pools.get(i).stats();
      if (i > 0) b.append(',');
      b.append("{\"name\":").append(quote(s.pool()))
          .append(",\"kind\":").append(quote(s.kind().name()))
          .append(",\"parallelism\":").append(s.parallelism())
          .append(",\"submitted\":").append(s.submitted())
          .append(",\"rejected\":").append(s.rejected())
          .append(",\"queued\":").append(s.queued())
          .append(",\"running\":").append(s.running())
          .append(",\"succeeded\":").append(s.succeeded())
          .append(",\"failed\":").append(s.failed())
          .append(",\"cancelled\":").append(s.cancelled())
          .append(",\"timedOut\":").append(s.timedOut())
          .append('}');
    }
    return b.append("]}").toString();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }
}
