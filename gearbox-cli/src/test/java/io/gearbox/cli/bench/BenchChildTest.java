package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The child's hand-written run lines are JSON the parent can read. */
class BenchChildTest {

  @Test
  void runLinesAreValidJson() {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("phase", "run");
    line.put("wall_ns", 123_456_789_012L);
    line.put("ok", 7);
    line.put("error", "UncheckedIOException: could not fetch \"http://x/\\y\"\n\ttab\u0001");
    JsonNode parsed = JsonMapper.builder().build().readTree(BenchChild.toJson(line));
    assertThat(parsed.path("phase").asString()).isEqualTo("run");
    assertThat(parsed.path("wall_ns").asLong()).isEqualTo(123_456_789_012L);
    assertThat(parsed.path("ok").asInt()).isEqualTo(7);
    assertThat(parsed.path("error").asString()).isEqualTo(line.get("error"));
    assertThat(BenchChild.toJson(line)).doesNotContain("\n");
  }
}
