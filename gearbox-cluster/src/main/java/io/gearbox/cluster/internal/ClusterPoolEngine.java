package io.gearbox.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import io.gearbox.MapOptions;
import io.gearbox.Outcome;
import io.gearbox.PoolClosedException;
import io.gearbox.PoolKind;
import io.gearbox.PoolStats;
import io.gearbox.Saturation;
import io.gearbox.SerializableCallable;
import io.gearbox.SerializableFunction;
import io.gearbox.TaskFailedException;
import io.gearbox.TaskHandle;
import io.gearbox.TaskNotSerializableException;
import io.gearbox.TaskOptions;
import io.gearbox.TaskScope;
import io.gearbox.cluster.ClusterPool;
import io.gearbox.cluster.ClusterTaskHandle;
import io.gearbox.cluster.MemberLostException;
import io.gearbox.internal.ExecutorPool;
import io.gearbox.internal.PoolConfig;
import io.gearbox.internal.codec.RemoteCodec;
import io.gearbox.internal.remote.RemoteExecutorService;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The engine behind {@link ClusterPool}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Drivers.</b> As in the process pool, every task becomes a driver task (a
 * {@link ClusterCall}) run by an {@link ExecutorPool}, here over virtual threads: the driver pool
 * supplies admission and saturation, the exactly-one-terminal-state machine, deadlines,
 * cancellation, map windows, scopes, stats and shutdown unchanged. A driver's job is to pick a
 * member ({@link MemberTable}), send it a {@link RemoteRun} on Hazelcast's "gearbox" executor
 * ({@code IExecutorService.submitToMember}), and wait for the {@link Reply}.
 *
 * <p><b>Encoding</b> happens on the submitting thread through the process pool's codec
 * ({@link RemoteCodec}), so a task that cannot be encoded fails at submit with its field
 * path; decoding on both sides goes through its allow-list.
 *
 * <p><b>Member loss.</b> Hazelcast fails the call's future with {@link MemberLeftException} (or a
 * disconnect) when the member dies or leaves. The driver then retries on another member if the
 * task allows retries, else fails it with {@link MemberLostException}: at-most-once by default.
 * A member that is leaving refuses calls it has not started ({@link Reply#REFUSED}); those are
 * placed elsewhere without using a retry, since they never ran.
 *
 * <p><b>Cancellation and deadlines</b> interrupt the driver (its handle is already complete); the
 * driver cancels the Hazelcast future, which interrupts the task on its member, then follows the
 * call with {@link Probe}s on the "gearbox-control" executor until it has stopped, under a thread
 * name that names the member, so a task that ignores the interrupt shows in
 * {@link PoolStats#stuck()}. A second interrupt (shutdownNow, the end of close's grace) ends the
 * watch.
 *
 * <p><b>map</b> sends items in batches: one {@link RemoteRun#BATCH} call applies the function to
 * a list of items; each map sizes its batches from the members' measured time per item, aiming at
 * {@link #BATCH_TARGET_NANOS} of work per call.
 *
 * <p><b>Lifecycle.</b> shutdown/shutdownNow/close act on the driver pool; once it has terminated
 * (no call in flight) the Hazelcast instance (embedded member or client) is shut down, which
 * stops its threads.
 */
public final class ClusterPoolEngine implements ClusterPool {

  /** Member time one map batch aims at: large against a loopback round trip (~0.1-0.3 ms). */
  static final long BATCH_TARGET_NANOS = 2_000_000;
  private static final int MAX_BATCH = 16_384;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final ClusterSettings settings;
  private final HazelcastInstance hz;
  private final boolean embedded;
  private final ExecutorPool drivers;
  private final IExecutorService tasks;
  private final IExecutorService control;
  private final MemberTable table;
  private final RemoteCodec codec;
  private final String[] extraPackages;
  private final String callPrefix = UUID.randomUUID().toString() + ":";
  private final AtomicLong callIds = new AtomicLong();
  private final LongAdder retried = new LongAdder();
  private final Object closeLock = new Object();
  private volatile boolean instanceClosed;

  /**
   * Wraps a started Hazelcast instance.
   *
   * @param embedded whether {@code hz} is a member in this JVM (else a client)
   */
  public ClusterPoolEngine(ClusterSettings settings, HazelcastInstance hz, boolean embedded) {
    this.settings = settings;
    this.hz = hz;
    this.embedded = embedded;
    String name = settings.name() != null ? settings.name() : "cluster-" + SEQUENCE.incrementAndGet();
    this.drivers = new ExecutorPool(new PoolConfig(PoolKind.VIRTUAL, name, -1,
        settings.maxInFlight(), Saturation.BLOCK, false, false));
    this.tasks = hz.getExecutorService(HazelcastSetup.TASKS);
    this.control = hz.getExecutorService(HazelcastSetup.CONTROL);
    this.table = new MemberTable(hz, settings.placement());
    this.codec = new RemoteCodec(settings.allowPackages(), Integer.MAX_VALUE);
    this.extraPackages = settings.allowPackages().toArray(String[]::new);
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

  /** The data members now: tasks run on that many JVMs at once (each with its own threads). */
  @Override
  public int parallelism() {
    return Math.max(1, table.dataMembers().size());
  }

  @Override
  public int defaultMapWindow() {
    return Math.min(settings.maxInFlight(), Math.max(4, 4 * parallelism()));
  }

  @Override
  public List<String> members() {
    return table.dataMembers().stream().map(MemberTable::address).toList();
  }

  @Override
  public List<Long> memberPids() {
    return table.dataMembers().stream().map(MemberTable::pid).toList();
  }

  @Override
  public Optional<String> localAddress() {
    return embedded ? Optional.of(MemberTable.address(hz.getCluster().getLocalMember())) : Optional.empty();
  }

  @Override
  public long retried() {
    return retried.sum();
  }

  // ---------------------------------------------------------------- submit

  @Override
  public <T> ClusterTaskHandle<T> submit(Callable<T> task) {
    return submit(task, TaskOptions.defaults());
  }

  @Override
  public <T> ClusterTaskHandle<T> submit(Callable<T> task, TaskOptions options) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(options, "options");
    ClusterCall<T> call = callFor(task, options);
    return new ClusterHandle<>(drivers.submit(call, options), call);
  }

  @Override
  public <T> ClusterTaskHandle<T> submit(SerializableCallable<T> task) {
    return submit((Callable<T>) task, TaskOptions.defaults());
  }

  @Override
  public <T> ClusterTaskHandle<T> submit(SerializableCallable<T> task, TaskOptions options) {
    return submit((Callable<T>) task, options);
  }

  /** Encodes the task on the caller's thread and wraps it for a driver. */
  <T> ClusterCall<T> callFor(Callable<T> task, TaskOptions options) {
    if (drivers.isShutdown()) { // checked before encoding; the driver pool checks again on submit
      throw new PoolClosedException("pool '" + name() + "' is shut down; the task was not accepted");
    }
    byte[] bytes = codec.encode(task, "task");
    return new ClusterCall<>(this, packages(task), bytes,
        Math.max(options.retries(), settings.retries()), options.key().orElse(null), task);
  }

  private String[] packages(Object value) {
    String[] out = new String[extraPackages.length + 1];
    System.arraycopy(extraPackages, 0, out, 0, extraPackages.length);
    out[extraPackages.length] = value.getClass().getPackageName();
    return out;
  }

  @Override
  public <T> T invoke(Callable<T> task) {
    return ExecutorPool.awaitInvoked(submit(task));
  }

  @Override
  public <T> T invoke(SerializableCallable<T> task) {
    return invoke((Callable<T>) task);
  }

  // ---------------------------------------------------------------- one call

  /**
   * Runs one call on the cluster, on the driver's thread: picks a member, sends, waits, decodes;
   * re-places refused calls and, within the task's retries, lost ones.
   *
   * @return the decoded value; for a batch {@code [results, index of the failed item or -1, its exception]}
   */
  Object execute(ClusterCall<?> call, byte kind, byte[] task, byte[] items) throws Exception {
    Thread me = Thread.currentThread();
    String driverName = me.getName();
    try {
      return attempts(call, kind, task, items, me, driverName);
    } finally {
      me.setName(driverName);
    }
  }

  /** The attempts of one call; the driver thread is named after the member of each. */
  private Object attempts(ClusterCall<?> call, byte kind, byte[] task, byte[] items, Thread me,
      String driverName) throws Exception {
    Set<UUID> excluded = new HashSet<>();
    MemberLostException lost = null;
    while (true) {
      Member m = table.pick(call.key, excluded);
      if (m == null) {
        if (lost != null) {
          throw lost;
        }
        throw new IllegalStateException("no member of cluster '" + settings.clusterName()
            + "' can run task '" + call.name + "' (members: " + members() + "); start one with"
            + " ./gearbox worker --join " + String.join(",", settings.members().isEmpty()
                ? List.of("HOST:PORT") : settings.members()));
      }
      // A keyed task goes to its key's owner; if this client does not know the owner yet (its
      // partition table arrives after connect), Hazelcast routes it, and the reply names the member.
      boolean routedByKey = call.key != null && !table.ownsKey(m, call.key);
      String memberAddress = routedByKey ? "owner of key " + call.key : MemberTable.address(m);
      call.member = routedByKey ? null : memberAddress;
      me.setName(driverName + "@" + memberAddress);
      call.pid = routedByKey ? -1 : MemberTable.pid(m);
      int attempt = ++call.attempts;
      String callKey = callPrefix + callIds.incrementAndGet();
      RemoteRun run = new RemoteRun(callKey, kind, call.packages, task, items);
      table.begin(m);
      Future<Reply> future = null;
      Reply reply;
      try {
        future = routedByKey ? tasks.submitToKeyOwner(run, call.key) : tasks.submitToMember(run, m);
        reply = future.get();
      } catch (InterruptedException e) {
        if (future != null) {
          future.cancel(true);
          Thread.interrupted(); // Hazelcast's get() may leave the flag set: this was the cancel
          watchUntilStopped(m, callKey);
        }
        throw e;
      } catch (ExecutionException | RuntimeException e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (neverStarted(cause) || (memberLost(cause) && wasLeaving(m))) {
          call.attempts--;
          table.avoid(m);
          excluded.add(m.getUuid());
          if (call.key != null) {
            awaitNewOwner(call.key, m);
          }
          continue;
        }
        if (!memberLost(cause)) {
          throw new IllegalStateException("task '" + call.name + "' could not be run on member "
              + memberAddress + ": " + cause, cause);
        }
        table.avoid(m);
        excluded.add(m.getUuid());
        lost = new MemberLostException(memberAddress, call.pid, call.taskId, call.name, attempt, cause);
        if (attempt > call.maxRetries) {
          throw lost;
        }
        retried.increment();
        if (call.key != null) {
          awaitNewOwner(call.key, m);
        }
        continue;
      } finally {
        table.end(m);
      }
      if (reply.status == Reply.REFUSED) {
        call.attempts--; // never started there
        table.avoid(m);
        excluded.add(m.getUuid());
        if (call.key != null) {
          awaitNewOwner(call.key, m);
        }
        continue;
      }
      call.pid = reply.pid;
      if (reply.member != null) {
        call.member = reply.member;
        memberAddress = reply.member;
      }
      call.memberNanos = reply.wallNanos;
      return decode(reply, call, memberAddress, kind);
    }
  }

  /**
   * Waits (at most the failure-detection time) until a key's partition has an owner other than
   * the member that was lost or refused it, so a keyed retry does not go to the same member.
   */
  private void awaitNewOwner(Object key, Member gone) throws InterruptedException {
    long end = System.nanoTime() + settings.maxNoHeartbeat().toNanos() + 5_000_000_000L;
    while (System.nanoTime() < end) {
      Member owner = hz.getPartitionService().getPartition(key).getOwner();
      if (owner != null && !owner.getUuid().equals(gone.getUuid())) {
        return;
      }
      Thread.sleep(50);
    }
  }

  private Object decode(Reply reply, ClusterCall<?> call, String member, byte kind) throws Exception {
    switch (reply.status) {
      case Reply.OK -> {
        String what = "result of task '" + call.name + "'";
        if (kind != RemoteRun.BATCH) {
          return decoded(() -> codec.decodeValue(reply.payload), what);
        }
        Object results = decoded(() -> codec.decodeBatch(reply.payload), what);
        Object error = reply.failedAt < 0 ? null : decoded(() -> codec.decode(reply.error), what);
        return new Object[] {results, reply.failedAt, error};
      }
      case Reply.THREW -> {
        Object t = decoded(() -> codec.decode(reply.payload), "exception of task '" + call.name + "'");
        if (t instanceof Exception ex) {
          throw ex;
        }
        if (t instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException("task '" + call.name + "' threw " + t);
      }
      case Reply.NOT_ENCODABLE -> throw new TaskNotSerializableException(reply.message + " (on member "
          + member + ")", "?", "result", null);
      case Reply.CLASS_MISSING -> throw new ClassNotFoundException("class " + reply.message
          + " of task '" + call.name + "' is not on the class path of member " + member
          + ": every member needs the task classes; start workers with ./gearbox worker --join ..."
          + " --class-path <your jars or classes directory>");
      case Reply.UNDECODABLE -> throw new IllegalStateException("member " + member
          + " could not decode task '" + call.name + "': " + reply.message);
      default -> throw new IllegalStateException("unknown reply status " + reply.status);
    }
  }

  private interface Decoding {
    Object run() throws IOException, ClassNotFoundException;
  }

  private static Object decoded(Decoding decoding, String what) {
    try {
      return decoding.run();
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(what + " has a class missing here: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalStateException(what + " could not be decoded: " + e.getMessage(), e);
    }
  }

  /**
   * Whether a lost member was leaving on purpose: it then refused every call it had not started,
   * so a call lost with it never ran user code there.
   */
  private boolean wasLeaving(Member m) {
    try {
      return hz.getMap(HazelcastSetup.LEAVING).containsKey(m.getUuid().toString());
    } catch (RuntimeException e) {
      return false; // cannot tell: treat as a crash
    }
  }

  /** A member shutting down refused the call before running it. */
  private static boolean neverStarted(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof RejectedExecutionException) {
        return true;
      }
    }
    return false;
  }

  private static boolean memberLost(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MemberLeftException || c instanceof TargetDisconnectedException
          || c instanceof TargetNotMemberException || c instanceof HazelcastInstanceNotActiveException
          || c instanceof IOException) {
        return true;
      }
      if (c instanceof HazelcastException && c.getCause() == null) {
        return false;
      }
    }
    return false;
  }

  /**
   * After a cancel: follows the call on its member until it has stopped (interrupting it again each
   * time), so a task that ignores interrupts holds this driver thread and is reported as stuck.
   */
  private void watchUntilStopped(Member m, String callKey) {
    try {
      long pause = 20;
      while (true) {
        Boolean running;
        try {
          running = control.submitToMember(new Probe(callKey), m).get(
              Math.max(2, settings.maxNoHeartbeat().toSeconds()), TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
          return; // the member is gone or not answering: nothing left to follow
        }
        if (!Boolean.TRUE.equals(running)) {
          return;
        }
        Thread.sleep(pause);
        pause = Math.min(500, pause * 2);
      }
    } catch (InterruptedException e) {
      // shutdownNow or close's grace: stop following
    }
  }

  // ---------------------------------------------------------------- map

  @Override
  public <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs) {
    return map(fn, inputs, MapOptions.defaults());
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
  @SuppressWarnings("unchecked")
  public <T, R> Stream<R> map(Function<? super T, ? extends R> fn, Iterable<? extends T> inputs,
      MapOptions options) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    if (options.taskTimeout().isPresent()) {
      return drivers.map(remoteApply(fn), inputs, options);
    }
    byte[] fnBytes = codec.encode(fn, "function");
    String[] pkgs = packages(fn);
    AtomicInteger batchSize = new AtomicInteger(32);
    Iterable<List<T>> batches = () -> new Batches<>(inputs.iterator(), batchSize);
    Function<List<T>, Object[]> runBatch = batch -> {
      ClusterCall<Object> call = new ClusterCall<>(this, pkgs, fnBytes, settings.retries(), null, fn);
      call.name = "map batch of " + batch.size();
      byte[] items = codec.encodeBatch(batch, "map items");
      Object[] out = (Object[]) sneaky(() -> execute(call, RemoteRun.BATCH, fnBytes, items));
      tune(batchSize, batch.size(), call.memberNanos);
      return out;
    };
    MapOptions windowed = options.window() > 0 ? options : options.withWindow(defaultMapWindow());
    Stream<Object[]> results = drivers.map(runBatch, batches, windowed);
    return results.flatMap(out -> {
      List<R> values = (List<R>) out[0];
      int failedAt = (Integer) out[1];
      if (failedAt < 0) {
        return values.stream();
      }
      Throwable error = (Throwable) out[2];
      Stream<R> failure = Stream.<R>generate(() -> {
        throw new TaskFailedException("map item failed: " + error, error, 0);
      }).limit(1);
      return Stream.concat(values.stream(), failure);
    });
  }

  /** Grows or shrinks a map's batch size toward {@link #BATCH_TARGET_NANOS} of member time. */
  private static void tune(AtomicInteger batchSize, int size, long memberNanos) {
    if (memberNanos <= 0 || size <= 0) {
      return;
    }
    long perItem = Math.max(1, memberNanos / size);
    int wanted = (int) Math.max(1, Math.min(MAX_BATCH, BATCH_TARGET_NANOS / perItem));
    int current = batchSize.get();
    batchSize.set(Math.max(1, Math.min(wanted, current * 4)));
  }

  @Override
  public <T, R> Stream<R> mapUnordered(Function<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options) {
    Objects.requireNonNull(fn, "fn");
    return drivers.mapUnordered(remoteApply(fn), inputs, options);
  }

  @Override
  public <T, R> Stream<Outcome<R>> mapOutcomes(Function<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options) {
    Objects.requireNonNull(fn, "fn");
    return drivers.mapOutcomes(remoteApply(fn), inputs, options);
  }

  /** A driver function that runs {@code fn} on one item on a member. */
  @SuppressWarnings("unchecked")
  private <T, R> Function<T, R> remoteApply(Function<? super T, ? extends R> fn) {
    codec.encode(fn, "function"); // fails now, with its field path, if it cannot travel
    return item -> {
      Apply<T, R> apply = new Apply<>(fn, item);
      ClusterCall<R> call = new ClusterCall<>(this, packages(fn), codec.encode(apply, "map item"),
          settings.retries(), null, apply);
      call.name = "map item";
      return (R) sneaky(() -> execute(call, RemoteRun.CALL, call.task, null));
    };
  }

  private interface Body {
    Object run() throws Exception;
  }

  /** Runs the body, rethrowing a checked exception unchanged (the driver pool reports it). */
  private static Object sneaky(Body body) {
    try {
      return body.run();
    } catch (Exception e) {
      throw ClusterPoolEngine.<RuntimeException>rethrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }

  /** The inputs cut into lists of the current batch size, read lazily. */
  private static final class Batches<T> implements Iterator<List<T>> {
    private final Iterator<? extends T> in;
    private final AtomicInteger size;

    Batches(Iterator<? extends T> in, AtomicInteger size) {
      this.in = in;
      this.size = size;
    }

    @Override
    public boolean hasNext() {
      return in.hasNext();
    }

    @Override
    public List<T> next() {
      if (!in.hasNext()) {
        throw new NoSuchElementException();
      }
      int n = size.get();
      List<T> out = new ArrayList<>(Math.min(n, 1024));
      while (out.size() < n && in.hasNext()) {
        out.add(in.next());
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- scopes, views, stats

  @Override
  public TaskScope openScope() {
    return new ClusterScope(this, drivers.openScope());
  }

  @Override
  public ExecutorService asExecutorService() {
    return new RemoteExecutorService(this);
  }

  @Override
  public PoolStats stats() {
    PoolStats s = drivers.stats();
    return new PoolStats(s.pool(), kind(), parallelism(), s.maxInFlight(), s.submitted(),
        s.rejected(), s.queued(), s.running(), s.succeeded(), s.failed(), s.cancelled(),
        s.timedOut(), s.totalQueuedNanos(), s.totalWallNanos(), s.totalCpuNanos(),
        s.cpuMeasuredTasks(), s.stuck());
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void shutdown() {
    drivers.shutdown();
    leaveWhenIdle();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<TaskHandle<?>> shutdownNow() {
    List<TaskHandle<?>> never = drivers.shutdownNow();
    List<TaskHandle<?>> out = new ArrayList<>(never.size());
    for (TaskHandle<?> h : never) {
      Object source = ExecutorPool.sourceOf(h);
      out.add(source instanceof ClusterCall<?> call ? new ClusterHandle(h, call) : h);
    }
    leaveWhenIdle();
    return out;
  }

  @Override
  public boolean isShutdown() {
    return drivers.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    leaveWhenIdle();
    return drivers.isTerminated() && instanceClosed;
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    if (!drivers.awaitTermination(timeout)) {
      return false;
    }
    closeInstance();
    return true;
  }

  @Override
  public void close() {
    drivers.close();
    closeInstance();
  }

  @Override
  public boolean close(Duration grace) {
    boolean done = drivers.close(grace);
    if (done) {
      closeInstance();
    }
    return done && instanceClosed;
  }

  /** Leaves the cluster once the drivers are done, if they are already. */
  private void leaveWhenIdle() {
    if (drivers.isTerminated()) {
      closeInstance();
    }
  }

  /** Shuts the Hazelcast instance down (a member leaves gracefully); waits for its threads. */
  private void closeInstance() {
    synchronized (closeLock) {
      if (instanceClosed) {
        return;
      }
      hz.shutdown();
      instanceClosed = true;
    }
  }

  @Override
  public String toString() {
    return "ClusterPool[" + name() + (embedded ? ", embedded " + localAddress().orElse("") : ", client")
        + ", members " + members() + "]";
  }
}
