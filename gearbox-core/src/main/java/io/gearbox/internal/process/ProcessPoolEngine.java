package io.gearbox.internal.process;

import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.PoolBrokenException;
import io.gearbox.PoolKind;
import io.gearbox.PoolStats;
import io.gearbox.ProcessChannel;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolStats;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.SerializableCallable;
import io.gearbox.SerializableFunction;
import io.gearbox.TaskCodec;
import io.gearbox.TaskHandle;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import io.gearbox.internal.Durations;
import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;
import io.gearbox.internal.codec.JdkCodec;
import io.gearbox.internal.remote.RemoteExecutorService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The engine behind {@link ProcessPool}: the facade that wires the parts below and implements
 * the pool's API on them.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Parts.</b> Each has one job, and a task flows one way through them:
 *
 * <pre>
 *  ProcessPoolEngine (this facade: submit, map, scopes, stats, lifecycle)
 *    |-- Calls          encodes a task on the caller's thread into a RemoteCall
 *    |-- Batches        map: items into RemoteCalls of tuned size (BatchTuner)
 *    |-- ExecutorPool   the driver pool: one platform "driver" thread per worker; it supplies
 *    |                  admission, saturation, the one-terminal-state machine, deadlines,
 *    |                  cancellation, map windows, scopes, stats and shutdown unchanged
 *    |     '-- RemoteCall.call() -> CallDriver   per call: acquire a worker, send RUN, await
 *    |                                           RESULT, decode; the cancel ladder; retries
 *    |                                             '-- WorkerSet -> Worker -> Frames (socket)
 *    |-- CallerDrives   the fast path of invoke and join: the caller runs its own driver task
 *    |                  with an idle worker (invoke: admitted by ExecutorPool.runHere; join:
 *    |                  taken back out of the driver queue, ExecutorPool.runIfQueued, if no
 *    |                  driver took it first): 2 wake-ups a round trip, not 4
 *    |-- ChannelServer  the channels, and workers' requests about them (from Worker's reads)
 *    '-- Reaper         once the drivers have terminated: close channels, stop and reap workers
 * </pre>
 *
 * <p><b>Encoding</b> happens on the submitting thread ({@link Calls}), so a task that cannot be
 * encoded, or that a worker's allow-list would refuse, fails at submit naming the class and field
 * path. Results and exceptions are decoded on the driver thread through the allow-list.
 *
 * <p><b>Handles.</b> A task's {@link RemoteHandle} is its driver task's handle plus what the
 * worker reported (output, pid, attempts, CPU time, cancel rung), read from its {@link
 * RemoteCall}. A driver that still waits for the task's first worker has not started it: the
 * handle says PENDING and {@link #stats()} counts it as queued.
 *
 * <p><b>Lifecycle.</b> shutdown/shutdownNow/close act on the driver pool first and start the
 * {@link Reaper}; once the drivers have terminated (no driver holds a worker) it closes the
 * channels, and the workers are asked to exit, terminated, then killed, and reaped ({@link
 * WorkerSet#close()}). The pool is terminated when the reaper has ended.
 *
 * <p>Public for io.gearbox.ProcessPoolBuilder ({@link #start}); not exported.
 */
public final class ProcessPoolEngine implements ProcessPool {

  private final ProcessConfig config;
  private final ExecutorPool drivers;
  private final WorkerLaunch launch;
  private final WorkerSet workers;
  private final TaskCodec codec;
  private final CallDriver driver;
  private final Calls calls;
  private final ChannelServer channels;
  private final Reaper reaper;
  /** Callers of invoke and join that drive their own round trip, and their cancel ladders. */
  private final CallerDrives callers;
  /** What a submitted task's handle needs to let its joiner run the round trip itself. */
  private final RemoteHandle.Joins joins;

  private ProcessPoolEngine(ProcessConfig config) throws IOException {
    this.config = config;
    this.drivers = new ExecutorPool(new PoolConfig(PoolKind.PROCESSES, config.name(),
        config.workers(), config.maxInFlight(), config.saturation(), config.captureSubmitSite(), false));
    JdkCodec jdkCodec;
    if (config.codecClass() == null) {
      jdkCodec = new JdkCodec(config.allowPackages(), config.maxFrameBytes(), false);
      this.codec = jdkCodec;
    } else {
      jdkCodec = null;
      this.codec = instantiate(config.codecClass());
    }
    byte[] welcome = Handshake.encodeWelcomeSettings(config.maxFrameBytes(), true,
        config.codecClass() == null ? "" : config.codecClass(), config.allowPackages());
    this.launch = WorkerLaunch.detect(config.classPath());
    this.channels = new ChannelServer(drivers.name(), codec, config.maxFrameBytes());
    this.workers = new WorkerSet(config, drivers.name(), command(config, launch), welcome,
        () -> recorderTask(codec), channels::onRequest);
    this.callers = new CallerDrives(drivers.name(), workers);
    this.joins = new RemoteHandle.Joins(drivers, callers);
    this.driver = new CallDriver(drivers.name(), workers, codec, config.cancelGrace(),
        config.replayOutput(), drivers::isShutdown, callers);
    this.calls = new Calls(drivers.name(), driver, workers, launch, codec, jdkCodec);
    this.reaper = new Reaper(drivers.name(), drivers, this::stopWorkers);
    if (launch.problem() == null) {
      workers.prestart(); // else no worker could start: every submit fails at once, saying why
    }
  }

  /**
   * The task the AOT cache's recorder runs, in the pool's codec; null if the codec refuses it
   * however it does (a codec of the user's may know only the user's classes).
   */
  private static byte[] recorderTask(TaskCodec codec) {
    try {
      return codec.encode(new RecorderTask("recorded"));
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      return null;
    }
  }

  /**
   * Creates a pool and starts its workers.
   *
   * @throws IllegalStateException inside a worker, or if the socket cannot be created
   */
  public static ProcessPool start(ProcessConfig config) {
    if (WorkerMain.inWorker()) {
      throw new IllegalStateException("a process pool cannot be created inside a process-pool"
          + " worker: that would start workers of workers; run the work inline, or on"
          + " Gearbox.cpu() inside the task");
    }
    try {
      return new ProcessPoolEngine(config);
    } catch (IOException e) {
      throw new IllegalStateException("process pool could not open its socket: " + e.getMessage(), e);
    }
  }

  private static TaskCodec instantiate(String className) {
    try {
      return (TaskCodec) Class.forName(className).getConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException("codec " + className + " needs a public no-argument"
          + " constructor and must implement TaskCodec: " + e, e);
    }
  }

  /** The worker command line, without its three arguments. The secret is not on it. */
  static List<String> command(ProcessConfig config, WorkerLaunch launch) {
    List<String> cmd = new ArrayList<>();
    cmd.add(config.javaCommand() != null ? config.javaCommand().toString()
        : Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.add("-XX:-UsePerfData"); // no hsperfdata file to map at start-up; jcmd still attaches
    cmd.add("-XX:ActiveProcessorCount=" + config.activeProcessorCount());
    // a worker's fatal-error log goes to the temp directory, not the caller's working directory;
    // the crash report quotes the path the JVM prints
    cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "gearbox-worker-hs_err_pid%p.log"));
    if (config.maxHeap() != null) {
      cmd.add("-Xmx" + config.maxHeap());
    }
    if (config.javaCommand() == null) { // another java may not have this JVM's classes
      cmd.addAll(WorkerLaunch.startupOptions()); // before the user's options, which win
    }
    cmd.addAll(config.jvmOptions());
    cmd.add(WorkerSet.AOT_SLOT); // replaced per worker: an AOT flag, or removed
    cmd.addAll(launch.args()); // class or module path, found under any launcher, and the main class
    return List.copyOf(cmd);
  }

  // ---------------------------------------------------------------- identity

  @Override
  public String name() {
    return drivers.name();
  }

  @Override
  public PoolKind kind() {
    return PoolKind.PROCESSES;
  }

  @Override
  public int parallelism() {
    return config.workers();
  }

  @Override
  public int defaultMapWindow() {
    return drivers.defaultMapWindow();
  }

  // ---------------------------------------------------------------- submit

  @Override
  public <T> ProcessTaskHandle<T> submit(Callable<T> task) {
    return submit(task, TaskOptions.defaults());
  }

  @Override
  public <T> ProcessTaskHandle<T> submit(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    RemoteCall<T> call = calls.call(task, options.retries());
    TaskHandle<T> driven = drivers.submit(call, options);
    return new RemoteHandle<>(driven, call, joins);
  }

  @Override
  public <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task) {
    return submit((Callable<T>) task, TaskOptions.defaults());
  }

  @Override
  public <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task, TaskOptions options) {
    return submit((Callable<T>) task, options);
  }

  @Override
  public <T> T invoke(Callable<T> task) {
    return invoke(task, TaskOptions.defaults());
  }

  /**
   * {@link #invoke(Callable)} with options (for tests of the deadline and retries on this path):
   * when a worker is idle, this thread runs the round trip itself ({@link CallerDrives}), else a
   * driver does.
   */
  <T> T invoke(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    RemoteCall<T> call = calls.call(task, options.retries());
    TaskHandle<T> driven = callers.drive(drivers, call, options);
    if (driven == null) {
      driven = drivers.submit(call, options);
    } else if (call.callerInterrupted) { // this thread was interrupted while it ran the task
      throw ExecutorPool.interruptedWaitFor(driven.id(), new InterruptedException());
    }
    return ExecutorPool.awaitInvoked(new RemoteHandle<>(driven, call));
  }

  @Override
  public <T> T invoke(SerializableCallable<T> task) {
    return invoke((Callable<T>) task);
  }

  // ---------------------------------------------------------------- map

  @Override
  public <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs) {
    return map(fn, inputs, MapOptions.defaults());
  }

  @Override
  public <T, R> Stream<R> map(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return batched(fn, inputs, options, false);
  }

  @Override
  public <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn,
      Iterable<? extends T> inputs) {
    return map((Function<? super T, ? extends R>) fn, inputs, MapOptions.defaults());
  }

  @Override
  public <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options) {
    return map((Function<? super T, ? extends R>) fn, inputs, options);
  }

  @Override
  public <T, R> Stream<R> mapUnordered(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    return batched(fn, inputs, options, true);
  }

  @SuppressWarnings("unchecked")
  private <T, R> Stream<R> batched(Function<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options, boolean unordered) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    Batches<T> batches = batches(fn, inputs, options, Frames.APPLY_BATCH);
    Function<RemoteCall<List<Object>>, List<Object>> run = batches::run;
    Stream<List<Object>> chunks = unordered
        ? drivers.mapUnordered(run, batches, options)
        : drivers.map(run, batches, options);
    return chunks.flatMap(list -> list.stream().map(x -> (R) x));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T, R> Stream<Outcome<R>> mapOutcomes(
      Function<? super T, ? extends R> fn, Iterable<? extends T> inputs, MapOptions options) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    Batches<T> batches = batches(fn, inputs, options, Frames.OUTCOME_BATCH);
    Function<RemoteCall<List<Object>>, List<Object>> run = batches::run;
    return drivers.mapOutcomes(run, batches, options).flatMap(o -> {
      int size = batches.sizes.remove();
      return switch (o) {
        case Outcome.Success<List<Object>> s -> s.value().stream().map(x -> x instanceof ItemFailure f
            ? (Outcome<R>) new Outcome.Failure<R>(f.error(), TaskState.FAILED)
            : (Outcome<R>) new Outcome.Success<>((R) x));
        case Outcome.Failure<List<Object>> f -> Stream.generate(
            () -> (Outcome<R>) new Outcome.Failure<R>(f.error(), f.state())).limit(size);
      };
    });
  }

  private <T> Batches<T> batches(Function<?, ?> fn, Iterable<? extends T> inputs, MapOptions options,
      byte kind) {
    byte[] fnBytes = calls.function(fn);
    boolean fixed = options.taskTimeout().isPresent();
    return new Batches<>(calls, driver, inputs, fnBytes, fn.getClass().getPackageName(), kind,
        fixed, config.maxFrameBytes());
  }

  // ---------------------------------------------------------------- scopes, executor view, channels

  @Override
  public TaskScope openScope() {
    return new ProcessScope(calls, drivers.openScope());
  }

  @Override
  public ExecutorService asExecutorService() {
    return new RemoteExecutorService(this);
  }

  @Override
  public <T> ProcessChannel<T> channel(String name, int capacity) {
    return channels.open(name, capacity, drivers.isShutdown());
  }

  // ---------------------------------------------------------------- stats

  /**
   * The driver pool's stats, with the tasks whose driver still waits for a worker moved from
   * running to queued (no worker has seen them; the sum of the gauges is unchanged), the workers'
   * CPU time (drivers only wait), and the waits for a worker to start moved from run time to
   * queued time, as in each task's timings.
   */
  @Override
  public PoolStats stats() {
    PoolStats d = drivers.stats();
    long waiting = Math.max(0, Math.min(driver.awaitingWorker.sum(), d.running()));
    long startup = Math.min(driver.startupNanos.sum(), d.totalWallNanos());
    return new PoolStats(d.pool(), d.kind(), d.parallelism(), d.maxInFlight(), d.submitted(),
        d.rejected(), d.queued() + waiting, d.running() - waiting, d.succeeded(), d.failed(),
        d.cancelled(), d.timedOut(), d.totalQueuedNanos() + startup, d.totalWallNanos() - startup,
        driver.workerCpuNanos.sum(), driver.cpuMeasuredCalls.sum(), d.stuck(),
        driver.cpuMeasuredWallNanos.sum(), d.queueWaits(), d.runTimes());
  }

  @Override
  public ProcessPoolStats processStats() {
    long spawned = workers.spawned.get();
    long stale = workers.staleResults.sum();
    return new ProcessPoolStats(config.workers(), workers.liveCount(), spawned,
        workers.spawnFailures.get(), workers.crashed.get(), workers.recycled.get(),
        workers.killed.get(), driver.retries.sum(), driver.undelivered.sum(), stale,
        workers.rejectedConnections.get(),
        spawned == 0 ? 0 : workers.spawnNanos.get() / spawned, workers.broken() != null);
  }

  @Override
  public List<Long> workerPids() {
    return workers.pids();
  }

  @Override
  public Optional<Throwable> brokenCause() {
    PoolBrokenException b = workers.broken();
    return b == null ? Optional.empty() : Optional.of(b.getCause() != null ? b.getCause() : b);
  }

  /** The socket directory, for tests of its permissions. */
  Path socketDirectory() {
    return workers.socketDirectory();
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void shutdown() {
    drivers.shutdown();
    reaper.start();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<TaskHandle<?>> shutdownNow() {
    List<TaskHandle<?>> never = drivers.shutdownNow();
    reaper.start();
    List<TaskHandle<?>> out = new ArrayList<>(never.size());
    for (TaskHandle<?> h : never) {
      Object source = ExecutorPool.sourceOf(h);
      if (source instanceof RemoteCall<?> call) {
        out.add(new RemoteHandle(h, call));
      } else {
        out.add(h);
      }
    }
    return out;
  }

  /** How many calls their caller drove ({@link CallerDrives}); for tests. */
  long callerDrivenCalls() {
    return callers.driven.sum();
  }

  /** How many of those a join drove (it found the call still queued); for tests. */
  long joinDrivenCalls() {
    return callers.drivenByJoin.sum();
  }

  /** Run by the reaper once the drivers have terminated. */
  private void stopWorkers() {
    callers.awaitNone(); // a caller may still hold a worker: the driver pool does not see it
    channels.closeAll();
    workers.close();
    channels.joinAll();
  }

  @Override
  public boolean isShutdown() {
    return drivers.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return drivers.isTerminated() && reaper.isDone();
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + Durations.saturatedNanos(timeout);
    if (!drivers.awaitTermination(timeout)) {
      return false;
    }
    Thread r = reaper.start();
    long left = deadline - System.nanoTime();
    if (left > 0) {
      r.join(Duration.ofNanos(left));
    }
    return !r.isAlive();
  }

  @Override
  public void close() {
    drivers.close();
    reaper.start();
    reaper.join();
  }

  @Override
  public boolean close(Duration grace) {
    boolean ok = drivers.close(grace);
    if (!ok) {
      // drivers still in a cancel ladder: each ends within the cancel grace plus a kill
      try {
        ok = drivers.awaitTermination(config.cancelGrace().plusSeconds(15));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reaper.start();
    reaper.join();
    return ok && isTerminated();
  }

  @Override
  public String toString() {
    return "ProcessPool[" + name() + ", " + config.workers() + " workers]";
  }
}
