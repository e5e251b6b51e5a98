package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The table's header line says how many warm-up runs each JVM made beyond those asked for. */
class ReportTest {

  @Test
  void header_namesTheStrategiesThatWarmedUpLonger_asTheProgressLinesNameThem() {
    ObjectNode overhead = doc("overhead");
    row(overhead, "virtual", "virtual", 7);
    row(overhead, "virtual", "jdk", 2);
    row(overhead, "cpu", "cpu", 2);
    row(overhead, "cpu", "jdk", 9);
    assertThat(Report.describe(overhead)).isEqualTo("100 tiny tasks submitted, then waited for, "
        + "5 runs after 2 warm-up, and more while the JIT compiled (virtual 7, cpu/jdk 9)");

    ObjectNode io = doc("io");
    row(io, "fetch", "virtual", 8);
    row(io, "fetch", "jdk", 2);
    assertThat(Report.describe(io)).endsWith(
        "5 runs after 2 warm-up, and more while the JIT compiled (virtual 8)");

    ObjectNode asked = doc("overhead");
    row(asked, "virtual", "virtual", 2);
    row(asked, "virtual", "jdk", 2);
    assertThat(Report.describe(asked)).endsWith("5 runs after 2 warm-up");
  }

  private static ObjectNode doc(String workload) {
    ObjectNode doc = Report.JSON.createObjectNode();
    doc.put("workload", workload);
    ObjectNode params = doc.putObject("params");
    params.put("runs", 5);
    params.put("warmup", 2);
    params.put("tasks", 100);
    params.put("client", "apache");
    params.put("latency_ms", 100);
    params.put("server", "lean");
    doc.putArray("results");
    return doc;
  }

  private static void row(ObjectNode doc, String variant, String strategy, int warmups) {
    ObjectNode row = ((ArrayNode) doc.get("results")).addObject();
    row.put("variant", variant);
    row.put("strategy", strategy);
    row.put("warmup_runs", warmups);
  }
}
