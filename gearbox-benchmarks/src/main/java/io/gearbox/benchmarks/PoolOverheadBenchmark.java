package io.gearbox.benchmarks;

import io.gearbox.Gearbox;
import io.gearbox.Pool;
import io.gearbox.PoolBuilder;
import io.gearbox.PoolKind;
import io.gearbox.TaskHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a pool costs per task, against the raw JDK executor of the same kind:
 *
 * <ul>
 *   <li>{@code THREADS}: {@code Gearbox.threads(8)} vs {@code Executors.newFixedThreadPool(8)}
 *   <li>{@code VIRTUAL}: {@code Gearbox.virtual()} vs {@code newVirtualThreadPerTaskExecutor()}
 *   <li>{@code CPU}: {@code Gearbox.cpu()} vs {@code newFixedThreadPool(cores)}
 * </ul>
 *
 * <p>{@code *Batch}: submit {@link #BATCH} tiny tasks, then wait for each (throughput; the
 * figure {@code gearbox bench overhead} measures). {@code *RoundTrip}: submit one, wait for it
 * (latency: a thread hand-off each way, so the pool's own cost is a smaller share).
 *
 * <p>{@code config} sets the Gearbox pool's options: {@code defaults}; {@code no-site} without
 * {@code captureSubmitSite}; {@code no-cpu} without {@code measureCpuTime}; {@code lean}
 * without both. It does not change the JDK executors.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx1g"})
public class PoolOverheadBenchmark {

  /** Tasks per batch invocation. */
  public static final int BATCH = 1_000;

  @Param({"THREADS", "VIRTUAL", "CPU"})
  public String kind;

  @Param({"defaults"})
  public String config;

  private Pool pool;
  private ExecutorService jdk;
  private final Callable<Integer>[] tasks = tinyTasks();

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Callable<Integer>[] tinyTasks() {
    Callable<Integer>[] tasks = new Callable[BATCH];
    for (int i = 0; i < BATCH; i++) {
      int x = i;
      tasks[i] = () -> x * 31 + 7;
    }
    return tasks;
  }

  @Setup(Level.Trial)
  public void setUp() {
    PoolKind k = PoolKind.valueOf(kind);
    boolean site = !config.equals("no-site") && !config.equals("lean");
    boolean cpu = !config.equals("no-cpu") && !config.equals("lean");
    if (!List.of("defaults", "no-site", "no-cpu", "lean").contains(config)) {
      throw new IllegalArgumentException("config " + config);
    }
    PoolBuilder<?> builder = switch (k) {
      case THREADS -> Gearbox.threadsBuilder().threads(Gearbox.DEFAULT_THREADS).measureCpuTime(cpu);
      case CPU -> Gearbox.cpuBuilder().measureCpuTime(cpu);
      case VIRTUAL -> Gearbox.virtualBuilder();
      case PROCESSES, AUTO -> throw new IllegalArgumentException("not measured here: " + k);
    };
    builder.maxInFlight(BATCH * 4);
    if (!site) {
      builder.captureSubmitSite(false);
    }
    pool = builder.build();
    jdk = switch (k) {
      case THREADS -> Executors.newFixedThreadPool(Gearbox.DEFAULT_THREADS);
      case VIRTUAL -> Executors.newVirtualThreadPerTaskExecutor();
      case CPU -> Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
      case PROCESSES, AUTO -> throw new IllegalArgumentException("not measured here: " + k);
    };
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
    jdk.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void gearboxBatch(Blackhole bh) {
    List<TaskHandle<Integer>> handles = new ArrayList<>(BATCH);
    for (Callable<Integer> task : tasks) {
      handles.add(pool.submit(task));
    }
    for (TaskHandle<Integer> handle : handles) {
      bh.consume(handle.join());
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void jdkBatch(Blackhole bh) throws InterruptedException, ExecutionException {
    List<Future<Integer>> futures = new ArrayList<>(BATCH);
    for (Callable<Integer> task : tasks) {
      futures.add(jdk.submit(task));
    }
    for (Future<Integer> future : futures) {
      bh.consume(future.get());
    }
  }

  @Benchmark
  public Integer gearboxRoundTrip() {
    return pool.submit(tasks[0]).join();
  }

  @Benchmark
  public Integer jdkRoundTrip() throws InterruptedException, ExecutionException {
    return jdk.submit(tasks[0]).get();
  }
}
