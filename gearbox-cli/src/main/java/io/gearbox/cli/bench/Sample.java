package io.gearbox.cli.bench;

import tools.jackson.databind.JsonNode;

/**
 * One run as a child JVM reported it.
 *
 * @param warmup whether it was a warm-up run (not counted)
 * @param wallNanos wall time of the run, pool start and close included
 * @param cpuNanos CPU time of the child process during the run (all threads), or -1
 * @param jitMillis time the child's JIT compilers spent compiling during the run, or -1 (a
 *     Python child, or a JVM that does not say)
 * @param ok tasks that succeeded
 * @param tasks tasks run
 * @param peakRssKb the child's VmHWM after the run
 * @param error the first task failure, or null
 * @param line the whole line, for workload extras
 */
record Sample(
    boolean warmup,
    long wallNanos,
    long cpuNanos,
    long jitMillis,
    int ok,
    int tasks,
    long peakRssKb,
    String error,
    JsonNode line) {

  static Sample of(JsonNode line) {
    JsonNode error = line.get("error");
    return new Sample(
        "warmup".equals(line.path("phase").asString()),
        line.path("wall_ns").asLong(),
        line.path("cpu_ns").asLong(-1),
        line.path("jit_ms").asLong(-1),
        line.path("ok").asInt(),
        line.path("tasks").asInt(),
        line.path("peak_rss_kb").asLong(-1),
        error == null || error.isNull() ? null : error.asString(),
        line);
  }
}
