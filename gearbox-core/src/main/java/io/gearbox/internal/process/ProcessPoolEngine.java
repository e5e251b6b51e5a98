package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.PoisonTaskException;
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
import io.gearbox.TaskNotSerializableException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskOutput;
import io.gearbox.TaskScope;
import io.gearbox.TaskState;
import io.gearbox.WorkerCrashedException;
import io.gearbox.WorkerSite;
import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.net.ProtocolException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The engine behind {@link ProcessPool}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Drivers.</b> Every task becomes a {@link RemoteCall} run by an {@link ExecutorPool} of
 * platform "driver" threads, one per worker. The driver pool supplies everything a pool promises
 * (admission and saturation, the exactly-one-terminal-state machine, deadlines, cancellation,
 * map windows, scopes, stats, shutdown) unchanged; a driver's job is to take an idle worker from
 * the {@link WorkerSet}, send it the encoded task, and wait for the reply. Cancellation and
 * deadlines interrupt the driver, which climbs the ladder: send CANCEL (the worker interrupts the
 * task), wait the cancel grace period for the reply, else kill the worker (the set replaces it).
 *
 * <p><b>Encoding</b> happens on the submitting thread, so a task that cannot be encoded fails at
 * submit with its field path ({@link SerializationPaths}), and so does one holding a class a
 * worker's allow-list would refuse; the package of each task class is added to both sides'
 * allow-list, each side trusting it as {@link JdkCodec} describes. Results and exceptions are
 * decoded on the driver thread through the allow-list.
 *
 * <p><b>Crashes.</b> When a worker dies ({@link Worker#die()}: its socket ends or its process
 * exits), its pending call fails with a {@link WorkerCrashedException};
 * the driver retries on another worker only if the task allows retries, and a task that used up
 * its retries fails with {@link PoisonTaskException}, unless every crash was a kill from outside
 * (SIGKILL, SIGTERM...: {@link WorkerCrashedException#killedFromOutside()}), when it fails with the
 * last crash. Every attempt has its own call id; a reply
 * to a superseded call id is counted and dropped, so no handle completes twice.
 *
 * <p><b>map</b> batches items: a {@link BatchTuner} sizes each batch from the measured time per
 * item against the measured round-trip cost, starting at one item.
 *
 * <p><b>Lifecycle.</b> shutdown/shutdownNow/close act on the driver pool first; once it has
 * terminated (no driver holds a worker) the workers are asked to exit, terminated, then killed,
 * and reaped ({@link WorkerSet#close()}).
 */
public final class ProcessPoolEngine implements ProcessPool {

  private static final Object REPLAY_LOCK = new Object();

  private final ProcessConfig config;
  private final ExecutorPool drivers;
  private final WorkerLaunch launch;
  private final WorkerSet workers;
  private final TaskCodec codec;
  private final JdkCodec jdkCodec;
  private final AtomicLong callIds = new AtomicLong();
  private final LongAdder retries = new LongAdder();
  private final LongAdder undelivered = new LongAdder();
  /** Drivers waiting for the first worker of their task: those tasks count as queued. */
  private final LongAdder awaitingWorker = new LongAdder();
  /** For stats(): the workers' CPU time of tasks, and the waits for a worker to start. */
  private final LongAdder workerCpuNanos = new LongAdder();
  private final LongAdder cpuMeasuredCalls = new LongAdder();
  private final LongAdder cpuMeasuredWallNanos = new LongAdder(); // workers' wall time of those
  private final LongAdder startupNanos = new LongAdder();
  private final ConcurrentHashMap<String, ParentChannel<?>> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Thread, Boolean> channelThreads = new ConcurrentHashMap<>();
  private final Object reaperLock = new Object();
  private Thread reaper; // guarded by reaperLock

  private ProcessPoolEngine(ProcessConfig config) throws IOException {
    this.config = config;
    this.drivers = new ExecutorPool(new PoolConfig(PoolKind.PROCESSES, config.name(),
        config.workers(), config.maxInFlight(), config.saturation(), config.captureSubmitSite(), false));
    if (config.codecClass() == null) {
      this.jdkCodec = new JdkCodec(config.allowPackages(), config.maxFrameBytes(), false);
      this.codec = jdkCodec;
    } else {
      this.jdkCodec = null;
      this.codec = instantiate(config.codecClass());
    }
    byte[] welcome = Handshake.encodeWelcomeSettings(config.maxFrameBytes(), true,
        config.codecClass() == null ? "" : config.codecClass(), config.allowPackages());
    this.launch = WorkerLaunch.detect(config.classPath());
    this.workers = new WorkerSet(config, drivers.name(), command(config, launch), welcome, this::onRequest);
    if (launch.problem() == null) {
      workers.prestart(); // else no worker could start: every submit fails at once, saying why
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
    RemoteCall<T> call = callFor(task, options.retries());
    TaskHandle<T> driver = drivers.submit(call, options);
    return new RemoteHandle<>(driver, call);
  }

  @Override
  public <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task) {
    return submit((Callable<T>) task, TaskOptions.defaults());
  }

  @Override
  public <T> ProcessTaskHandle<T> submit(SerializableCallable<T> task, TaskOptions options) {
    return submit((Callable<T>) task, options);
  }

  /** Checks the pool, encodes the task on the caller's thread, and wraps it for a driver. */
  <T> RemoteCall<T> callFor(Callable<T> task, int maxRetries) {
    failIfBroken();
    byte[] bytes = encode(task, "task");
    return new RemoteCall<>(this, Frames.CALL, task.getClass().getPackageName(), bytes, null, 0,
        maxRetries, task);
  }

  private void failIfBroken() {
    workers.throwIfBroken();
  }

  private byte[] encode(Object value, String what) {
    launch.check(name(), value.getClass()); // a worker must be able to load it: else fail now, saying why
    try {
      if (jdkCodec == null) {
        return codec.encode(value);
      }
      java.util.Set<Class<?>> graph = new java.util.HashSet<>();
      byte[] bytes = jdkCodec.encodeRecording(value, graph);
      String pkg = value.getClass().getPackageName();
      refuseWhatAWorkerWould(value, what, pkg, graph);
      // what the caller accepts back from this task's package: its records, enums and
      // exceptions, the classes of the task's own graph and of its static result types. Other
      // packages stay refused unless allowed: a result type names no class into the allow-list.
      jdkCodec.allowTaskPackage(pkg);
      jdkCodec.allowClasses(graph.stream().filter(c -> c.getPackageName().equals(pkg))
          .map(Class::getName).toList());
      jdkCodec.allowClasses(ResultTypes.of(value).stream()
          .filter(name -> packageOf(name).equals(pkg)).toList());
      return bytes;
    } catch (NotSerializableException e) {
      throw SerializationPaths.explain(what, value, e);
    } catch (IOException | RuntimeException e) {
      throw new TaskNotSerializableException(what + " (" + value.getClass().getName()
          + ") could not be encoded: " + e, value.getClass().getName(), what, e);
    } catch (StackOverflowError e) {
      throw new TaskNotSerializableException(what + " (" + value.getClass().getName()
          + ") is an object graph too deep to serialize (its encoding overflowed the stack)",
          value.getClass().getName(), what, e);
    }
  }

  private static String packageOf(String className) {
    int dot = className.lastIndexOf('.');
    return dot < 0 ? "" : className.substring(0, dot);
  }

  /**
   * Fails at submit, naming the class, if the task's graph holds a class a worker's allow-list
   * would refuse (another of the user's packages, say): it would fail in the worker otherwise.
   */
  private void refuseWhatAWorkerWould(Object value, String what, String pkg, java.util.Set<Class<?>> graph) {
    for (Class<?> c : graph) {
      if (!jdkCodec.workerAllows(c, pkg)) {
        Class<?> e = c;
        while (e.isArray()) {
          e = e.getComponentType();
        }
        throw new TaskNotSerializableException(what + " (" + value.getClass().getName()
            + ") holds a " + c.getName() + ", which a worker's allow-list refuses: a worker accepts"
            + " the task's own package (" + (pkg.isEmpty() ? "the unnamed package" : pkg)
            + "), JDK collections, java.time, java.math and io.gearbox; allow the class's package"
            + " with ProcessPoolBuilder.allowPackages(\"" + e.getPackageName() + "\")",
            value.getClass().getName(), what, null);
      }
    }
  }

  private byte[] encodeBatch(List<Object> chunk) {
    try {
      return Values.encodeBatch(chunk, codec);
    } catch (NotSerializableException e) {
      throw SerializationPaths.explain("map input", chunk, e);
    } catch (IOException | RuntimeException e) {
      throw new TaskNotSerializableException("map input could not be encoded: " + e,
          chunk.getClass().getName(), "map input", e);
    }
  }

  @Override
  public <T> T invoke(Callable<T> task) {
    return ExecutorPool.awaitInvoked(submit(task));
  }

  @Override
  public <T> T invoke(SerializableCallable<T> task) {
    return invoke((Callable<T>) task);
  }

  // ---------------------------------------------------------------- running a call (driver side)

  /** Runs a call on a worker, with retries for idempotent tasks; on a driver thread. */
  <T> T execute(RemoteCall<T> call) throws Exception {
    List<WorkerCrashedException> crashes = new ArrayList<>();
    while (true) {
      Worker w;
      boolean first = call.attempts == 0;
      long waitStart = System.nanoTime();
      if (first) {
        call.awaitingWorker = true;
        awaitingWorker.increment();
      }
      try {
        w = workers.acquire(); // a driver per worker: it waits only while its worker starts
      } catch (InterruptedException e) {
        if (call.attempts == 0) {
          call.rung = CancelRung.NOT_STARTED;
        }
        throw e;
      } finally {
        long waited = System.nanoTime() - waitStart;
        call.startupNanos += waited;
        startupNanos.add(waited);
        if (first) {
          call.awaitingWorker = false;
          awaitingWorker.decrement();
        }
      }
      call.attempts++;
      call.pid = w.pid;
      Frames.Frame reply;
      try {
        reply = send(call, w);
      } catch (NotDelivered e) {
        // the worker was gone before the task reached it: not an attempt, and not the task's
        // crash. The next acquire waits for a live worker, or fails if the pool broke.
        call.attempts--;
        undelivered.increment();
        if (Thread.currentThread().isInterrupted()) { // cancelled or timed out meanwhile
          if (call.attempts == 0) {
            call.rung = CancelRung.NOT_STARTED;
          }
          throw new InterruptedException("cancelled before the task reached a worker");
        }
        continue;
      } catch (WorkerCrashedException e) {
        crashes.add(e);
        keepCrashOutput(call, w);
        if (call.attempts <= call.maxRetries && !Thread.currentThread().isInterrupted()
            && workers.broken() == null) {
          retries.increment();
          continue;
        }
        if (call.maxRetries > 0 && crashes.stream().allMatch(WorkerCrashedException::killedFromOutside)) {
          // killed from outside every time: nothing says the task is to blame
          crashes.subList(0, crashes.size() - 1).forEach(e::addSuppressed);
          throw e;
        }
        if (call.maxRetries > 0) {
          throw new PoisonTaskException(call.taskId, crashes);
        }
        throw e;
      } finally {
        workers.release(w);
      }
      return decodeReply(call, w, reply);
    }
  }

  /**
   * The worker died before the task reached it: its socket refused the RUN frame (a dead peer,
   * or one the pool had already closed), so no process ever saw the task.
   */
  private static final class NotDelivered extends Exception {
    NotDelivered(WorkerCrashedException crash) {
      super(null, crash, false, false);
    }
  }

  private Frames.Frame send(RemoteCall<?> call, Worker w) throws InterruptedException, NotDelivered {
    long callId = callIds.incrementAndGet();
    Worker.Pending p = w.register(callId, call.taskId, call.attempts);
    byte[][] run = Run.encode(call.attempts, call.kind, call.pkg, call.task, call.items);
    if (Thread.interrupted()) { // cancelled before the task was sent: it never reached the worker
      w.unregister(callId);
      call.rung = CancelRung.NOT_STARTED;
      throw new InterruptedException();
    }
    try {
      w.frames().write(Frames.RUN, callId, run);
    } catch (ProtocolException e) {
      w.unregister(callId);
      throw new IllegalArgumentException("task too large to send: " + e.getMessage(), e);
    } catch (java.io.InterruptedIOException e) {
      // cancelled while the worker was not reading: if part of the frame went out, the stream is
      // broken and the worker must go; if none did, the task never reached it
      w.unregister(callId);
      if (e.bytesTransferred > 0) {
        call.rung = CancelRung.KILLED;
        workers.kill(w);
      } else {
        call.rung = CancelRung.NOT_STARTED;
      }
      throw new InterruptedException("cancelled while sending the task");
    } catch (Frames.NothingSent e) {
      // The worker is gone (a write fails only once its end of the socket is closed) and no byte
      // of the task reached it. Wait for its end to be recorded, then let the caller try another.
      try {
        if (w.await(p, -1) == null) { // cancelled meanwhile
          Thread.interrupted();
          call.rung = CancelRung.NOT_STARTED;
          throw new InterruptedException("cancelled");
        }
      } catch (WorkerCrashedException crash) {
        throw new NotDelivered(crash);
      }
      throw new IllegalStateException("worker " + w.pid + " answered a task it never received");
    } catch (IOException e) {
      // Gone with part of the frame sent: the task may be what killed it (a payload it could not
      // hold). The wait below reads the end of its socket and reports the crash.
    }
    Frames.Frame f = w.await(p, -1); // throws WorkerCrashedException if the worker dies
    if (f != null) {
      w.tasksRun++;
      return f;
    }
    Thread.interrupted(); // cancelled or timed out: the handle is already terminal
    ladder(call, w, callId, p);
    throw new InterruptedException("cancelled");
  }

  /** Cancel or deadline while the task runs in a worker: interrupt, wait the grace, then kill. */
  private void ladder(RemoteCall<?> call, Worker w, long callId, Worker.Pending p) {
    call.rung = CancelRung.REQUESTED;
    // Written by a thread nobody interrupts: shutdownNow interrupts a driver twice (its task's
    // cancel, then the pool's threads), and a write given up half-way would cost the worker.
    Thread.ofVirtual().name("gearbox-" + name() + "-cancel").start(() -> {
      try {
        w.frames().write(Frames.CANCEL, callId);
      } catch (IOException e) {
        // gone already: the wait below ends at once
      }
    });
    // If the pool was already stopping when the ladder began, a further interrupt is that same
    // shutdownNow, not an escalation: the (bounded) grace runs its course. Otherwise it is
    // shutdownNow or close on top of a cancel, and the worker is killed at once.
    boolean stopping = drivers.isShutdown();
    boolean reinterrupted = false;
    long graceEnd = System.nanoTime() + config.cancelGrace().toNanos();
    try {
      while (true) {
        long left = graceEnd - System.nanoTime();
        if (left <= 0) {
          break; // ignored its interrupt for the whole grace period
        }
        Frames.Frame f = w.await(p, left);
        if (f != null) {
          w.tasksRun++;
          recordReport(call, f);
          call.rung = CancelRung.INTERRUPTED;
          return;
        }
        if (Thread.interrupted()) {
          reinterrupted = true;
          if (!stopping) {
            break;
          }
        }
      }
      call.rung = CancelRung.KILLED;
      workers.kill(w);
      try {
        w.await(p, TimeUnit.SECONDS.toNanos(10)); // ends with the crash once the process is gone
      } catch (WorkerCrashedException expected) {
        keepCrashOutput(call, w); // the kill
      }
    } catch (WorkerCrashedException e) {
      call.rung = CancelRung.KILLED; // died during the grace period
    } finally {
      if (reinterrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A worker died under a call: what its task printed until then (read from the worker's spool
   * once the process was gone) becomes the call's output, replayed as a finished task's is.
   */
  private void keepCrashOutput(RemoteCall<?> call, Worker w) {
    Worker.Death d = w.death();
    if (d != null && !d.taskOutput().isEmpty()) {
      call.output = d.taskOutput();
      if (config.replayOutput()) {
        replay(call.name, call.output);
      }
    }
  }

  /** Reads a RESULT's report (timings, output); returns the body. */
  private byte[] recordReport(RemoteCall<?> call, Frames.Frame f) {
    try {
      Result r = Result.decode(f.payload());
      call.workerWallNanos = r.wallNanos();
      call.workerCpuNanos = r.cpuNanos();
      if (call.workerCpuNanos >= 0) {
        workerCpuNanos.add(call.workerCpuNanos);
        cpuMeasuredCalls.increment();
        cpuMeasuredWallNanos.add(Math.max(0, call.workerWallNanos));
      }
      call.output = r.output();
      if (config.replayOutput() && !call.output.isEmpty()) {
        replay(call.name, call.output);
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException("malformed result frame: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T decodeReply(RemoteCall<T> call, Worker w, Frames.Frame reply) throws Exception {
    byte status = reply.payload()[0];
    call.replyBytes = reply.payload().length;
    byte[] body = recordReport(call, reply);
    Object value;
    try {
      value = call.kind == Frames.CALL ? Values.decode(body, codec) : Values.decodeBatch(body, codec);
    } catch (InvalidClassException e) {
      InvalidClassException named = new InvalidClassException(e.classname,
          (status == Frames.OK ? "the result" : "the exception") + " of task " + call.taskId
              + " could not be decoded in the caller: " + e.getMessage());
      named.initCause(e);
      throw named;
    }
    if (status == Frames.THREW) {
      Throwable t = (Throwable) value;
      t.addSuppressed(new WorkerSite(w.pid, call.attempts));
      throw ProcessPoolEngine.<RuntimeException>sneaky(t);
    }
    return (T) value;
  }

  @SuppressWarnings("unchecked")
  static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }

  private static void replay(String name, TaskOutput output) {
    synchronized (REPLAY_LOCK) {
      printLines(System.out, name, output.stdout());
      printLines(System.err, name, output.stderr());
      if (output.truncatedBytes() > 0) {
        System.err.println("[" + name + "] ... " + output.truncatedBytes() + " more bytes not captured");
      }
    }
  }

  private static void printLines(java.io.PrintStream stream, String name, String text) {
    if (text.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty() || b.isEmpty()) {
        b.append('[').append(name).append("] ").append(line).append(System.lineSeparator());
      }
    }
    stream.print(b);
    stream.flush();
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
    failIfBroken();
    if (!(fn instanceof Serializable)) {
      throw SerializationPaths.explain("the function", fn, new NotSerializableException(fn.getClass().getName()));
    }
    byte[] fnBytes = encode(fn, "the function");
    boolean fixed = options.taskTimeout().isPresent();
    return new Batches<>(inputs, fnBytes, fn.getClass().getPackageName(), kind, fixed);
  }

  /**
   * The batches of one map call, made lazily on the consuming thread (where items are encoded, so
   * a bad item fails the stream at once), sized by a {@link BatchTuner}.
   */
  private final class Batches<T> implements Iterable<RemoteCall<List<Object>>> {
    final ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
    private final Iterable<? extends T> inputs;
    private final byte[] fnBytes;
    private final String pkg;
    private final byte kind;
    private final BatchTuner tuner;

    Batches(Iterable<? extends T> inputs, byte[] fnBytes, String pkg, byte kind, boolean fixed) {
      this.inputs = inputs;
      this.fnBytes = fnBytes;
      this.pkg = pkg;
      this.kind = kind;
      this.tuner = new BatchTuner(fixed);
    }

    @Override
    public Iterator<RemoteCall<List<Object>>> iterator() {
      Iterator<? extends T> it = inputs.iterator();
      java.util.ArrayDeque<Object> carry = new java.util.ArrayDeque<>(); // split off a batch
      int byteBudget = config.maxFrameBytes() / 4;
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return !carry.isEmpty() || it.hasNext();
        }

        @Override
        public RemoteCall<List<Object>> next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          int want = tuner.size();
          ArrayList<Object> chunk = new ArrayList<>(Math.min(want, 1024));
          while (chunk.size() < want && !carry.isEmpty()) {
            chunk.add(carry.pollFirst());
          }
          while (chunk.size() < want && it.hasNext()) {
            chunk.add(it.next());
          }
          byte[] items = encodeBatch(chunk);
          // Big items: halve the batch until it fits a quarter of the frame cap; the rest waits
          while (items.length > byteBudget && chunk.size() > 1) {
            int keep = chunk.size() / 2;
            List<Object> rest = chunk.subList(keep, chunk.size());
            for (int i = rest.size() - 1; i >= 0; i--) {
              carry.addFirst(rest.get(i));
            }
            rest.clear();
            tuner.limit(keep);
            items = encodeBatch(chunk);
          }
          if (kind == Frames.OUTCOME_BATCH) { // read back by mapOutcomes only
            sizes.add(chunk.size());
          }
          RemoteCall<List<Object>> call = new RemoteCall<>(ProcessPoolEngine.this, kind, pkg, fnBytes,
              items, chunk.size(), 0, null);
          call.name = "map batch";
          return call;
        }
      };
    }

    List<Object> run(RemoteCall<List<Object>> call) {
      long t0 = System.nanoTime();
      try {
        List<Object> out = execute(call);
        tuner.observe(call.itemCount, call.workerWallNanos, System.nanoTime() - t0);
        if (call.replyBytes > config.maxFrameBytes() / 4) {
          tuner.limit(Math.max(1, call.itemCount / 2)); // big results: smaller batches
        }
        return out;
      } catch (Exception e) {
        throw ProcessPoolEngine.<RuntimeException>sneaky(e);
      }
    }
  }

  // ---------------------------------------------------------------- scopes, executor view

  @Override
  public TaskScope openScope() {
    return new ProcessScope(this, drivers.openScope());
  }

  @Override
  public ExecutorService asExecutorService() {
    return new ProcessExecutorService(this);
  }

  // ---------------------------------------------------------------- channels

  @Override
  public <T> ProcessChannel<T> channel(String name, int capacity) {
    Objects.requireNonNull(name, "name");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    ParentChannel<T> ch = new ParentChannel<>(name, capacity, codec, config.maxFrameBytes());
    if (channels.putIfAbsent(name, ch) != null) {
      throw new IllegalArgumentException("pool '" + name() + "' already has a channel named '" + name + "'");
    }
    if (drivers.isShutdown()) {
      ch.close();
    }
    return ch;
  }

  /**
   * A channel request from a worker: served on its own virtual thread (it may wait), which a
   * CH_CANCEL from the worker (its taker gave up) or the worker's death interrupts.
   */
  private void onRequest(Worker w, Frames.Frame f) {
    if (f.type() == Frames.CH_CANCEL) {
      Thread handler = w.channelHandlers.remove(f.id());
      if (handler != null) {
        handler.interrupt();
      }
      return;
    }
    Thread t = Thread.ofVirtual().name("gearbox-" + name() + "-channel").unstarted(() -> {
      try {
        serveChannel(w, f);
      } finally {
        channelThreads.remove(Thread.currentThread());
        w.channelHandlers.remove(f.id(), Thread.currentThread());
      }
    });
    channelThreads.put(t, Boolean.TRUE);
    w.channelHandlers.put(f.id(), t);
    t.start();
  }

  private void serveChannel(Worker w, Frames.Frame f) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(f.payload()));
      String chName = Frames.readString(in);
      ParentChannel<?> ch = channels.get(chName);
      if (f.type() == Frames.CH_PUT) {
        byte[] item = Frames.readBytes(in);
        boolean ok = ch != null && ch.putBytes(item);
        w.frames().write(ok ? Frames.CH_ACK : Frames.CH_CLOSED, f.id());
      } else if (f.type() == Frames.CH_TAKE) {
        long wait = in.readLong();
        byte[] item = ch == null ? null : ch.takeBytes(wait);
        if (item == null) {
          w.frames().write(Frames.CH_CLOSED, f.id());
          return;
        }
        try {
          w.frames().write(Frames.CH_ITEM, f.id(), Frames.payload(d -> {
            Frames.writeString(d, chName);
            Frames.writeBytes(d, item);
          }));
        } catch (IOException e) {
          if (item.length > 0) {
            ch.giveBack(item); // the taker's worker is gone: the item is not lost
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // the worker or the pool is going away
    }
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
    long waiting = Math.max(0, Math.min(awaitingWorker.sum(), d.running()));
    long startup = Math.min(startupNanos.sum(), d.totalWallNanos());
    return new PoolStats(d.pool(), d.kind(), d.parallelism(), d.maxInFlight(), d.submitted(),
        d.rejected(), d.queued() + waiting, d.running() - waiting, d.succeeded(), d.failed(),
        d.cancelled(), d.timedOut(), d.totalQueuedNanos() + startup, d.totalWallNanos() - startup,
        workerCpuNanos.sum(), cpuMeasuredCalls.sum(), d.stuck(),
        cpuMeasuredWallNanos.sum(), d.queueWaits(), d.runTimes());
  }

  @Override
  public ProcessPoolStats processStats() {
    long spawned = workers.spawned.get();
    long stale = workers.staleResults.sum();
    return new ProcessPoolStats(config.workers(), workers.liveCount(), spawned,
        workers.spawnFailures.get(), workers.crashed.get(), workers.recycled.get(),
        workers.killed.get(), retries.sum(), undelivered.sum(), stale, workers.rejectedConnections.get(),
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
  public Path socketDirectory() {
    return workers.socketDirectory();
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void shutdown() {
    drivers.shutdown();
    startReaper();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<TaskHandle<?>> shutdownNow() {
    List<TaskHandle<?>> never = drivers.shutdownNow();
    startReaper();
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

  /** Once the drivers have terminated, the workers are stopped and reaped. */
  private void startReaper() {
    synchronized (reaperLock) {
      if (reaper != null) {
        return;
      }
      reaper = Thread.ofVirtual().name("gearbox-" + name() + "-reaper").start(() -> {
        try {
          while (!drivers.awaitTermination(Duration.ofSeconds(1))) {
            // keep waiting: tasks accepted before shutdown still run
          }
        } catch (InterruptedException e) {
          return;
        }
        stopWorkers();
      });
    }
  }

  private void stopWorkers() {
    channels.values().forEach(ParentChannel::close);
    workers.close();
    for (Thread t : List.copyOf(channelThreads.keySet())) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void joinReaper() {
    Thread r;
    synchronized (reaperLock) {
      r = reaper;
    }
    if (r != null && r != Thread.currentThread()) {
      boolean interrupted = false;
      while (true) {
        try {
          r.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isShutdown() {
    return drivers.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    Thread r;
    synchronized (reaperLock) {
      r = reaper;
    }
    return drivers.isTerminated() && r != null && !r.isAlive();
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + io.gearbox.internal.Durations.saturatedNanos(timeout);
    if (!drivers.awaitTermination(timeout)) {
      return false;
    }
    startReaper();
    Thread r;
    synchronized (reaperLock) {
      r = reaper;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      r.join(Duration.ofNanos(left));
    }
    return !r.isAlive();
  }

  @Override
  public void close() {
    drivers.close();
    startReaper();
    joinReaper();
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
    startReaper();
    joinReaper();
    return ok && isTerminated();
  }

  @Override
  public String toString() {
    return "ProcessPool[" + name() + ", " + config.workers() + " workers]";
  }
}
