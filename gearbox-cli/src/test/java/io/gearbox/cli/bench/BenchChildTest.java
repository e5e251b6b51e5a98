package io.gearbox.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The child's hand-written run lines are JSON the parent can read, and a stepped child's reader of
 * the parent's commands is ready before its first warm-up.
 */
class BenchChildTest {

  /**
   * A class loaded for the first time between the warm-ups and a measured run can make the JIT
   * throw away compiled code that assumed it did not exist (a class-hierarchy dependency): the
   * run loop's reader of stdin once loaded US-ASCII's charset decoder there, and the first
   * measured run of 10,000 fetches recompiled the HTTP client's parsing for 0.6-1.5 s.
   */
  @Test
  void steppedChild_loadsNoReaderClassBetweenItsWarmUpAndItsFirstMeasuredRun() throws Exception {
    Process child = new ProcessBuilder(Harness.javaCommand(), "-Xlog:class+load=info:stdout",
        "-XX:+UseSerialGC", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        BenchChild.class.getName(), "workload=overhead", "variant=virtual", "strategy=virtual",
        "warmup=1", "runs=0", "tasks=10", "stepped=true")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      try (OutputStream in = child.getOutputStream()) {
        in.write("run\n".getBytes(StandardCharsets.US_ASCII));
      }
      List<String> lines = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          lines.add(line);
        }
      }
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isZero();
      List<Integer> runLines = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith(BenchChild.PREFIX)) {
          runLines.add(i);
        }
      }
      assertThat(runLines).as("a warm-up line, then a run line").hasSize(2);
      assertThat(lines.get(runLines.get(0))).contains("\"phase\":\"warmup\"");
      assertThat(lines.get(runLines.get(1))).contains("\"phase\":\"run\"");
      assertThat(lines.subList(0, runLines.get(0)))
          .as("the class log is on").anyMatch(l -> l.contains("[class,load]"));
      // the reader's own classes; a run may still load what only contention needs (a
      // LongAdder's cells), which extends no class that compiled code assumed had no subclass
      assertThat(lines.subList(runLines.get(0) + 1, runLines.get(1)))
          .as("stdin-reading classes loaded after the warm-up, before the measured run ended")
          .noneMatch(l -> l.contains("[class,load] java.io.")
              || l.contains("[class,load] sun.nio.cs.")
              || l.contains("[class,load] java.nio.charset."));
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
  }

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
