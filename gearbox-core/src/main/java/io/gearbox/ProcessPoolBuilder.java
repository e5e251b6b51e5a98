package io.gearbox;

import io.gearbox.internal.process.ProcessConfig;
import io.gearbox.internal.process.ProcessPoolEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The builder of a {@link ProcessPool} ({@link PoolKind#PROCESSES}): the options every pool has,
 * plus the workers' own. Validation and thread safety as every {@link PoolBuilder}; each
 * {@link #build()} starts a new pool's workers.
 *
 * <pre>{@code
 * ProcessPool pool = Gearbox.processBuilder().workers(4).maxHeap("512m")
 *     .maxTasksPerWorker(1_000).allowPackages("com.example.model").build();
 * }</pre>
 */
public final class ProcessPoolBuilder extends PoolBuilder<ProcessPoolBuilder> {

  /** Default grace period between interrupting a cancelled task and killing its worker: 1 s. */
  public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofSeconds(1);

  /** Default restart limit: more than 10 crashes within 60 s make the pool BROKEN. */
  public static final int DEFAULT_MAX_RESTARTS = 10;

  /** Default window of the restart limit: 60 s. */
  public static final Duration DEFAULT_RESTART_WINDOW = Duration.ofSeconds(60);

  /** Default cap on one protocol frame: 64 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;

  private int workers = Runtime.getRuntime().availableProcessors();
  private Path javaCommand;
  private final List<String> jvmOptions = new ArrayList<>();
  private String maxHeap;
  private int activeProcessorCount;
  private int maxTasksPerWorker;
  private long maxWorkerRssBytes;
  private int maxRestarts = DEFAULT_MAX_RESTARTS;
  private Duration restartWindow = DEFAULT_RESTART_WINDOW;
  private Duration cancelGrace = DEFAULT_CANCEL_GRACE;
  private Duration spawnTimeout = Duration.ofSeconds(30);
  private boolean replayOutput = true;
  private final List<String> allowPackages = new ArrayList<>();
  private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private Class<? extends TaskCodec> codec;
  private Path aotCache;
  private List<Path> classPath;

  ProcessPoolBuilder() {}

  @Override
  public PoolKind kind() {
    return PoolKind.PROCESSES;
  }

  /**
   * How many worker JVMs run tasks at once. Default: the available processors.
   *
   * @throws IllegalArgumentException if below 1
   */
  public ProcessPoolBuilder workers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, was " + workers);
    }
    this.workers = workers;
    return this;
  }

  /**
   * The {@code java} executable for workers. Default: the one running the caller ({@code
   * java.home}), which is also what a launcher that runs the caller in a JVM it did not start
   * (a build tool's daemon) may need changed.
   */
  public ProcessPoolBuilder javaCommand(Path java) {
    this.javaCommand = Objects.requireNonNull(java, "java");
    return this;
  }

  /**
   * The workers' class path, instead of the one found. By default it is found under every common
   * launcher: {@code java.class.path}, the URLs of the class loaders above the building thread's
   * context class loader (as under {@code mvn exec:java} or a test runner), the module path (a
   * Gearbox on the module path starts its workers on it too), and Gearbox's own jar; and a task
   * whose class a worker could not load fails its first submit with a {@link
   * WorkerStartException} that says why. Give the class path here when the caller's classes come
   * from elsewhere (a custom class loader, a jar inside a jar): every entry a worker needs,
   * Gearbox's jar included; the check is then off. See docs/launchers.md.
   *
   * @throws IllegalArgumentException if no entry is given
   */
  public ProcessPoolBuilder classPath(Path... entries) {
    if (entries.length == 0) {
      throw new IllegalArgumentException("classPath needs at least one entry");
    }
    List<Path> list = new ArrayList<>();
    for (Path e : entries) {
      list.add(Objects.requireNonNull(e, "entry"));
    }
    this.classPath = List.copyOf(list);
    return this;
  }

  /** Extra JVM options for each worker, e.g. {@code -Dconfig=prod}; never put secrets here. */
  public ProcessPoolBuilder jvmOptions(String... options) {
    for (String o : options) {
      jvmOptions.add(Objects.requireNonNull(o, "option"));
    }
    return this;
  }

  /**
   * Each worker's heap cap ({@code -Xmx}), e.g. {@code "256m"}: the memory cap of each task.
   * Workers always run with {@code -XX:+ExitOnOutOfMemoryError}, so an out-of-memory error ends
   * the worker, fails its task with a {@link WorkerCrashedException} that says so, and the worker
   * is replaced. Default: the JVM's own default.
   *
   * @throws IllegalArgumentException if not a number with an optional k, m or g suffix
   */
  public ProcessPoolBuilder maxHeap(String size) {
    Objects.requireNonNull(size, "size");
    if (!size.matches("[0-9]+[kKmMgG]?")) {
      throw new IllegalArgumentException("maxHeap must look like 256m or 2g, was '" + size + "'");
    }
    this.maxHeap = size;
    return this;
  }

  /**
   * The processor count each worker's JVM sees ({@code -XX:ActiveProcessorCount}), which sizes its
   * GC and common pool. Default: the available processors divided by the workers, at least 1, so
   * that N workers do not each start threads for every core.
   *
   * @throws IllegalArgumentException if below 1
   */
  public ProcessPoolBuilder activeProcessorCount(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("activeProcessorCount must be >= 1, was " + count);
    }
    this.activeProcessorCount = count;
    return this;
  }

  /**
   * Retires a worker after this many tasks and starts a fresh one (not counted as a crash), like
   * Python's {@code max_tasks_per_child}. Default 0: never.
   *
   * @throws IllegalArgumentException if negative
   */
  public ProcessPoolBuilder maxTasksPerWorker(int tasks) {
    if (tasks < 0) {
      throw new IllegalArgumentException("maxTasksPerWorker must be >= 0, was " + tasks);
    }
    this.maxTasksPerWorker = tasks;
    return this;
  }

  /**
   * Retires a worker, between tasks, once its resident memory exceeds this many bytes (not counted
   * as a crash): a guard against tasks that leak. Default 0: never. Read from {@code /proc} on
   * Linux; ignored where that is not available.
   *
   * @throws IllegalArgumentException if negative
   */
  public ProcessPoolBuilder maxWorkerRss(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("maxWorkerRss must be >= 0, was " + bytes);
    }
    this.maxWorkerRssBytes = bytes;
    return this;
  }

  /**
   * The restart limit: more than {@code maxRestarts} unexpected worker deaths (crashes or failed
   * starts) within {@code window} make the pool BROKEN. Default 10 within 60 s.
   *
   * @throws IllegalArgumentException if maxRestarts is negative or window not positive
   */
  public ProcessPoolBuilder restartLimit(int maxRestarts, Duration window) {
    Objects.requireNonNull(window, "window");
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("restartLimit's maxRestarts must be >= 0, was " + maxRestarts);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("restartLimit's window must be positive, was " + window);
    }
    this.maxRestarts = maxRestarts;
    this.restartWindow = window;
    return this;
  }

  /**
   * How long a cancelled or timed-out task has, once interrupted in its worker, before the worker
   * is killed. Default {@link #DEFAULT_CANCEL_GRACE}.
   *
   * @throws IllegalArgumentException if negative
   */
  public ProcessPoolBuilder cancelGrace(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("cancelGrace must not be negative, was " + grace);
    }
    this.cancelGrace = grace;
    return this;
  }

  /**
   * How long a worker may take from start to handshake before it counts as failed. Default 30 s.
   *
   * @throws IllegalArgumentException if not positive
   */
  public ProcessPoolBuilder spawnTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("spawnTimeout must be positive, was " + timeout);
    }
    this.spawnTimeout = timeout;
    return this;
  }

  /**
   * Whether what each task prints is replayed to the caller's {@code System.out} and
   * {@code System.err} when it finishes, whole, each line prefixed with {@code [task-name]}, and
   * whether unattributed worker output is shown prefixed with the worker's pid. Default true. The
   * output is on {@link ProcessTaskHandle#output()} either way.
   */
  public ProcessPoolBuilder replayOutput(boolean replay) {
    this.replayOutput = replay;
    return this;
  }

  /**
   * Packages (and their subpackages) whose classes may be decoded, on top of the defaults: the
   * JDK's value types ({@code java.lang}; collections, maps, comparators, {@code UUID} and a few
   * more of {@code java.util} itself; {@code java.util.concurrent}, {@code java.time},
   * {@code java.math}), Gearbox's own, and from the package of each task class submitted: in a
   * worker all its classes, in the caller its records, enums and exceptions and the classes of
   * that package the task's object graph and static result type name. Everything else is refused,
   * in the caller and in the workers; a task holding a class a worker would refuse fails at submit
   * with {@link TaskNotSerializableException} naming it.
   */
  public ProcessPoolBuilder allowPackages(String... packages) {
    for (String p : packages) {
      Objects.requireNonNull(p, "package");
      if (!p.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*")) {
        throw new IllegalArgumentException("not a package name: '" + p + "'");
      }
      allowPackages.add(p);
    }
    return this;
  }

  /**
   * The largest protocol frame (a task, a result, a batch), checked before anything is allocated.
   * Default {@link #DEFAULT_MAX_FRAME_BYTES}.
   *
   * @throws IllegalArgumentException if below 64 KiB
   */
  public ProcessPoolBuilder maxFrameBytes(int bytes) {
    if (bytes < 64 << 10) {
      throw new IllegalArgumentException("maxFrameBytes must be >= 65536, was " + bytes);
    }
    this.maxFrameBytes = bytes;
    return this;
  }

  /**
   * A custom codec class (public, with a public no-argument constructor) used on both sides
   * instead of JDK serialization; the allow-list then is its job.
   */
  public ProcessPoolBuilder codec(Class<? extends TaskCodec> codec) {
    this.codec = Objects.requireNonNull(codec, "codec");
    return this;
  }

  /**
   * Names the file of the workers' ahead-of-time cache (JDK 25, JEP 483/514/515): classes already
   * loaded and linked, so a worker reaches its handshake sooner ({@code gearbox bench processes}
   * measures by how much). Without this call the pool keeps one per JVM, flags and class path in
   * a private per-user cache directory (e.g. {@code ~/.cache/gearbox/aot}) wherever the JVM can
   * record one: workers that run this JVM's {@code java} from a class path of jar files. If the
   * file exists, workers map it; a cache that no longer matches is ignored by the JVM, without a
   * warning on the output, and one a worker dies starting from is deleted and the worker started
   * without it. If not, the pool starts one extra worker JVM beside its workers that records
   * one: it runs no task and exits after its handshake, so the cache holds the workers' start-up
   * alone; writing it takes a few seconds of CPU in the background, once, and a close meanwhile
   * waits for it. Off for every pool with
   * {@code -Dgearbox.aotCache=false}, and for a pool whose {@link #jvmOptions} choose an archive
   * themselves (e.g. {@code -Xshare:auto}: the JVM's own default archive only).
   */
  public ProcessPoolBuilder aotCache(Path file) {
    this.aotCache = Objects.requireNonNull(file, "file");
    return this;
  }

  /**
   * Builds the pool and starts its workers (in the background: submits do not wait for them).
   *
   * @throws IllegalStateException if called inside a process-pool worker
   */
  @Override
  public ProcessPool build() {
    int bound = maxInFlightOr(workers, Gearbox.DEFAULT_QUEUE_PER_THREAD);
    int processors = activeProcessorCount > 0
        ? activeProcessorCount
        : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
    return ProcessPoolEngine.start(new ProcessConfig(name, workers, bound, saturation,
        captureSubmitSite, javaCommand, List.copyOf(jvmOptions), maxHeap, processors,
        maxTasksPerWorker, maxWorkerRssBytes, maxRestarts, restartWindow, cancelGrace,
        spawnTimeout, replayOutput, List.copyOf(allowPackages), maxFrameBytes,
        codec == null ? null : codec.getName(), aotCache, classPath));
  }
}
