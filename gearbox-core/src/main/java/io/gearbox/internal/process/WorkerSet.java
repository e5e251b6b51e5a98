package io.gearbox.internal.process;

import io.gearbox.PoolBrokenException;
import io.gearbox.PoolClosedException;
import io.gearbox.WorkerCrashedException;
import io.gearbox.WorkerStartException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * The worker JVMs of one process pool: starting them, handing them to drivers, replacing the ones
 * that die, counting crashes against the restart limit, and reaping them all on close.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Channel.</b> One Unix-domain socket per pool in a fresh directory with mode 0700, so only
 * this user can even connect ({@link SocketDirectories}: also the cleanup of stale ones); every connection must still pass the mutual HMAC handshake
 * ({@link Auth}) within {@link #HANDSHAKE_TIMEOUT_MILLIS}, with frames capped at 4 KiB until it has;
 * at most {@link #MAX_UNAUTHENTICATED} are in their handshake at once. The acceptor outlives
 * accept() errors (descriptors exhausted), backing off, until the socket is closed.
 * The secret reaches each worker on its stdin, never its command line.
 *
 * <p><b>State</b> (under {@code lock}): {@code idle} workers ready for a task, {@code live} (every
 * started worker not yet reaped), {@code starting} spawns in progress, {@code broken} (the cause,
 * once BROKEN), {@code closed}. Drivers {@link #acquire()} an idle worker, waiting on
 * {@code changed}, and {@link #release} it. Spawns run on their own virtual threads; a worker that
 * dies ({@link Worker#die()} calls {@link #onDeath}) is replaced at once unless the pool is closed or broken.
 *
 * <p><b>Restart limit</b> (Erlang/OTP's intensity and period): unexpected deaths and failed
 * spawns within the window are counted; one more than allowed makes the pool BROKEN, and so does
 * a failed spawn while no worker is alive and either none is starting or none has connected
 * within the start timeout (so overlapping starts of a pool that never had a worker cannot keep
 * it from breaking). BROKEN wakes every waiting driver, which
 * fails its task with {@link PoolBrokenException}. Retirements (maxTasksPerWorker, maxWorkerRss)
 * and kills by the cancel ladder are expected and not counted.
 */
final class WorkerSet implements Worker.Owner {

  static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  /** Connections allowed in their handshake at once; a worker's handshake takes milliseconds. */
  static final int MAX_UNAUTHENTICATED = 32;
  /** The longest pause between accept() attempts after errors. */
  static final long ACCEPT_BACKOFF_MAX_MILLIS = 1000;
  /** Where in the command a worker's AOT flag goes. */
  static final String AOT_SLOT = "<aot>";
  /** How long a worker recording the AOT cache may take to write it and exit. */
  static final long AOT_WRITE_MILLIS = 60_000;

  /** The workers' AOT cache: on by default where the JVM can record one. */
  private final WorkerAotCache aot;
  /** Encodes the task the AOT recorder runs; gives null if the pool's codec cannot. */
  private final java.util.function.Supplier<byte[]> recorderTask;

  private final ProcessConfig config;
  private final String poolName;
  private final String secret = Auth.newSecret();
  private final List<String> command;
  private final byte[] welcomeConfig;
  private final PrintStream console;
  private final BiConsumer<Worker, Frames.Frame> requests;
  private final Path dir;
  private final Path socket;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final ConcurrentHashMap<Integer, CompletableFuture<Frames>> handshakes = new ConcurrentHashMap<>();
  /**
   * Connections still in their handshake, oldest first (guarded by itself): close() cuts them off,
   * so no handshake thread outlives it; past {@link #MAX_UNAUTHENTICATED} the oldest is cut off.
   */
  private final Set<Frames> unauthenticated = new java.util.LinkedHashSet<>();
  /** Handshake threads, from start to end: close() joins them. */
  private final Set<Thread> handshakeThreads = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;
  private final AtomicInteger workerIds = new AtomicInteger();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Worker> idle = new ArrayDeque<>();
  private final Set<Worker> live = new HashSet<>();
  private final Set<Thread> spawners = new HashSet<>();
  /** Completed once the AOT recorder made its handshake or failed to; null if none started. */
  private volatile CompletableFuture<Void> recorderLaunched;
  private final ArrayDeque<Long> deaths = new ArrayDeque<>();
  private int starting;
  /** When a worker last completed its handshake (System.nanoTime()); valid once anyConnected. */
  private long lastConnectNanos;
  private boolean anyConnected;
  /** Written under lock, once; volatile so submits read it without taking the lock. */
  private volatile PoolBrokenException broken;
  private boolean closed;

  final AtomicLong spawned = new AtomicLong();
  final AtomicLong spawnFailures = new AtomicLong();
  final AtomicLong crashed = new AtomicLong();
  final AtomicLong recycled = new AtomicLong();
  final AtomicLong killed = new AtomicLong();
  final AtomicLong rejectedConnections = new AtomicLong();
  /** accept() errors on the open socket (descriptors exhausted, say), each followed by a back-off. */
  final AtomicLong acceptErrors = new AtomicLong();
  final AtomicLong spawnNanos = new AtomicLong();
  /** Replies to a call id no longer pending (a superseded attempt), dropped. */
  final java.util.concurrent.atomic.LongAdder staleResults = new java.util.concurrent.atomic.LongAdder();

  /**
   * @param recorderTask encodes a {@link RecorderTask} in the pool's codec, for the worker that
   *     records the AOT cache; called only then, and gives null if the codec cannot (then the
   *     start-up alone is recorded)
   */
  WorkerSet(ProcessConfig config, String poolName, List<String> command, byte[] welcomeConfig,
      java.util.function.Supplier<byte[]> recorderTask, BiConsumer<Worker, Frames.Frame> requests)
      throws IOException {
    this.config = config;
    this.recorderTask = recorderTask;
    this.poolName = poolName;
    this.command = command;
    this.aot = WorkerAotCache.forPool(config.aotCache(), config.javaCommand() != null,
        config.jvmOptions(), command.stream().filter(a -> !a.equals(AOT_SLOT)).toList());
    this.welcomeConfig = welcomeConfig;
    this.console = config.replayOutput() ? System.err : null;
    this.requests = requests;
    this.dir = SocketDirectories.create();
    this.socket = dir.resolve(SocketDirectories.SOCKET_NAME);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      server.close();
      SocketDirectories.delete(dir);
      throw e;
    }
    this.acceptor = Thread.ofPlatform().daemon(true).name("gearbox-" + poolName + "-acceptor")
        .start(this::acceptLoop);
  }

  /** The socket directory (mode 0700), for tests and docs. */
  Path socketDirectory() {
    return dir;
  }

  /** Starts the configured number of workers in the background. */
  void prestart() {
    lock.lock();
    try {
      for (int i = 0; i < config.workers(); i++) {
        spawnLocked();
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- handing out workers

  /**
   * Takes an idle worker, waiting for one to start if needed.
   *
   * @throws PoolBrokenException if the pool is BROKEN
   * @throws PoolClosedException if the workers have been shut down
   * @throws InterruptedException if interrupted while waiting
   */
  Worker acquire() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (true) {
        throwIfBroken();
        if (closed) {
          throw new PoolClosedException("process pool '" + poolName + "' has shut its workers down");
        }
        Worker w = pollLiveIdleLocked();
        if (w != null) {
          return w;
        }
        if (live.size() + starting < config.workers()) {
          spawnLocked();
        }
        changed.await();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes an idle live worker if there is one now, without waiting: for a caller that drives its
   * own call ({@link CallerDrives}) and otherwise hands it to a driver.
   *
   * @return the worker, or null if none is idle, the lock is busy, or the pool is closed or broken
   */
  Worker tryAcquire() {
    if (!lock.tryLock()) {
      return null;
    }
    try {
      return closed || broken() != null ? null : pollLiveIdleLocked();
    } finally {
      lock.unlock();
    }
  }

  /** The first idle worker still alive, or null; dead ones are dropped (onDeath replaces them). */
  private Worker pollLiveIdleLocked() {
    for (Worker w = idle.pollFirst(); w != null; w = idle.pollFirst()) {
      if (w.isAlive()) {
        return w;
      }
    }
    return null;
  }

  /** Returns a worker after a call; retires it if it is due, and ignores it if it died. */
  void release(Worker w) {
    if (!w.isAlive() || w.expectedExit) {
      // dead: Worker.die() reports the death. Being killed or retired (its process may not have
      // exited yet): never hand it out again; onDeath starts its replacement.
      return;
    }
    boolean retire = (config.maxTasksPerWorker() > 0 && w.tasksRun >= config.maxTasksPerWorker())
        || (config.maxWorkerRssBytes() > 0 && w.rssBytes() > config.maxWorkerRssBytes());
    if (retire) {
      recycled.incrementAndGet();
      retire(w);
      return; // onDeath starts its replacement
    }
    lock.lock();
    try {
      if (closed) {
        return; // close() reaps it
      }
      idle.addFirst(w); // most recently used first: warm caches
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Asks a worker to exit between tasks (not a crash), and kills it if it has not within 2 s (a
   * shutdown hook may block).
   */
  private void retire(Worker w) {
    w.expectedExit = true;
    try {
      Control.writeShutdown(w.frames());
    } catch (IOException e) {
      w.kill();
      return;
    }
    Thread.ofVirtual().name("gearbox-" + poolName + "-retire").start(() -> {
      try {
        if (!w.process.waitFor(2000, TimeUnit.MILLISECONDS)) {
          w.kill();
        }
      } catch (InterruptedException e) {
        w.kill();
      }
    });
  }

  /** Kills a worker whose task ignored its interrupt; it is replaced. */
  void kill(Worker w) {
    killed.incrementAndGet();
    w.kill();
  }

  @Override
  public void staleResult() {
    staleResults.increment();
  }

  /** Called by {@link Worker#die()} once the worker is gone. */
  @Override
  public void onDeath(Worker w) {
    lock.lock();
    try {
      live.remove(w);
      idle.remove(w);
      if (!w.expectedExit && !closed) {
        crashed.incrementAndGet();
        Worker.Death d = w.death();
        countDeath(new IllegalStateException(w + " died: "
            + WorkerCrashedException.describeExit(d == null ? -1 : d.exitCode())));
      }
      if (!closed && broken == null && live.size() + starting < config.workers()) {
        spawnLocked();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Counts an unexpected death or failed spawn; breaks the pool past the limit. */
  private void countDeath(Throwable cause) {
    long now = System.nanoTime();
    deaths.addLast(now);
    long window = config.restartWindow().toNanos();
    while (!deaths.isEmpty() && now - deaths.peekFirst() > window) {
      deaths.removeFirst();
    }
    if (deaths.size() > config.maxRestarts() && broken == null) {
      broken = new PoolBrokenException("process pool '" + poolName + "' is BROKEN: "
          + deaths.size() + " worker failures within " + config.restartWindow().toSeconds()
          + " s, more than its restart limit of " + config.maxRestarts() + "; last: "
          + cause.getMessage(), cause);
    }
  }

  /** Why the pool is BROKEN, or null. */
  PoolBrokenException broken() {
    return broken;
  }

  /** Throws a fresh copy of the BROKEN cause (with the caller's stack), if there is one. */
  void throwIfBroken() {
    PoolBrokenException b = broken;
    if (b != null) {
      throw new PoolBrokenException(b.getMessage(), b.getCause());
    }
  }

  int liveCount() {
    lock.lock();
    try {
      return live.size();
    } finally {
      lock.unlock();
    }
  }

  List<Long> pids() {
    lock.lock();
    try {
      return live.stream().map(w -> w.pid).toList();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- spawning

  private void spawnLocked() {
    starting++;
    Thread t = Thread.ofVirtual().name("gearbox-" + poolName + "-spawn").unstarted(this::spawn);
    spawners.add(t);
    t.start();
  }

  private void spawn() {
    Worker w = null;
    Throwable failure = null;
    boolean killedForClose = false;
    try {
      w = start();
    } catch (Throwable t) {
      failure = t;
    }
    lock.lock();
    try {
      starting--;
      spawners.remove(Thread.currentThread());
      if (w != null && !closed && w.isAlive()) {
        anyConnected = true;
        lastConnectNanos = System.nanoTime();
        live.add(w);
        idle.addLast(w);
        spawned.incrementAndGet();
      } else if (w != null && closed) {
        w.kill(); // closed meanwhile; reaped below, before this spawner ends
        killedForClose = true;
      } else if (w != null) {
        // died right after its handshake (its death may already have been reported, finding
        // nothing to remove): a failed start
        spawnFailures.incrementAndGet();
        countDeath(new WorkerStartException(w + " exited right after its handshake", null));
        if (broken == null && live.size() + starting < config.workers()) {
          spawnLocked();
        }
      } else if (!closed) {
        spawnFailures.incrementAndGet();
        WorkerStartException e = failure instanceof WorkerStartException s ? s
            : new WorkerStartException("worker could not be started: " + failure, failure);
        countDeath(e);
        // No worker alive and none connected within a start timeout: nothing suggests the next
        // start will do better. Overlapping starts must not hide this (with 2+ workers some start
        // is always in progress), nor may a failure rate under the restart limit.
        boolean noneConnectedLately = !anyConnected
            || System.nanoTime() - lastConnectNanos > config.spawnTimeout().toNanos();
        if (broken == null && live.isEmpty() && (starting == 0 || noneConnectedLately)) {
          broken = new PoolBrokenException("process pool '" + poolName + "' is BROKEN: no worker"
              + " is running and " + (anyConnected ? "none has connected within the last "
                  + describe(config.spawnTimeout()) : "none has ever connected")
              + "; the last start failed: " + e.getMessage(), e);
        }
        if (broken == null && live.size() + starting < config.workers()) {
          spawnLocked();
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (killedForClose) {
      try {
        w.process.waitFor(); // killed because the pool closed while it started
        w.joinThreads(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts one worker and waits for its handshake. */
  private Worker start() throws Exception {
    WorkerAotCache.Use aotUse = aot.next(); // map the cache, record it, or neither
    if (aotUse.records()) {
      startRecorder(aotUse);
      aotUse = WorkerAotCache.Use.NONE; // this one starts as workers did before there was a cache
    }
    long t0 = System.nanoTime();
    Launch launch = launch(aotUse);
    Worker w = launch.worker();
    Process process = w.process;
    Frames frames = launch.frames();
    if (frames == null) {
      // read before the kill below: a worker still running here never connected in time, and
      // must not be reported with the SIGKILL this start sends it
      boolean exitedByItself = !process.isAlive();
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      w.joinThreads(1000);
      if (exitedByItself && aotUse.usesCache() && !closing) {
        aot.failed(aotUse); // the cache may be why: never let it cost a worker its start
        return start();
      }
      String why = exitedByItself
          ? "exited with " + WorkerCrashedException.describeExit(process.exitValue())
              + " before its handshake"
          : "started but did not connect to the pool's socket within " + describe(config.spawnTimeout())
              + " (spawnTimeout), so it was stopped; check that the java command (" + launch.java()
              + ") starts a Java 25 or later JVM running the class and arguments it is given, that"
              + " the class path reaches io.gearbox, and whether the machine is too loaded to start"
              + " a JVM in that time (raise spawnTimeout)";
      // The output can come back short: when a process exits, the JDK moves what is left in its
      // pipe into a buffer and closes the pipe, and a read caught in between fails with "Stream
      // closed" (seen in ~1 of 30 spawn failures under load). The JVM options are named too, since
      // a bad one is the usual reason a worker dies before its handshake.
      List<String> tail = w.tail();
      throw new WorkerStartException(w + " could not be started:"
          + " it " + why + (tail.isEmpty() ? "" : "; its output: " + String.join(" | ", tail))
          + (config.jvmOptions().isEmpty() ? "" : "; its JVM options: "
              + String.join(" ", config.jvmOptions())), null);
    }
    spawnNanos.addAndGet(System.nanoTime() - t0);
    w.attach(frames, requests, this);
    return w;
  }

  /** A started worker process and its authenticated socket, or null if it made no handshake. */
  private record Launch(Worker worker, Frames frames, String java) {}

  /** Starts a worker process with these AOT flags and waits for its handshake or its exit. */
  private Launch launch(WorkerAotCache.Use aotUse) throws InterruptedException {
    int id = workerIds.incrementAndGet();
    CompletableFuture<Frames> handshake = new CompletableFuture<>();
    handshakes.put(id, handshake);
    List<String> cmd = new ArrayList<>(command);
    int slot = cmd.indexOf(AOT_SLOT);
    cmd.remove(slot);
    cmd.addAll(slot, aotUse.flags());
    cmd.add(socket.toString());
    cmd.add(Integer.toString(id));
    cmd.add(poolName);
    Process process;
    try {
      process = new ProcessBuilder(cmd).start();
    } catch (IOException e) {
      handshakes.remove(id);
      throw new WorkerStartException("worker could not be started: " + e.getMessage()
          + " (command: " + cmd.getFirst() + ")", e);
    }
    Worker w;
    try {
      w = new Worker(id, process, poolName, console, dir.resolve("w" + id)); // its output spool
      w.recordsAot = aotUse.records();
      w.startDrains();
    } catch (RuntimeException | Error e) { // no thread for its drains, say: not left running
      handshakes.remove(id);
      process.destroyForcibly();
      throw e;
    }
    try {
      OutputStream stdin = process.getOutputStream();
      // the pid too: ProcessHandle.current() costs a worker ~25 ms of start-up (its class
      // initialization bootstraps lambdas and an executor)
      stdin.write((secret + "\n" + process.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
      stdin.flush(); // kept open: the worker halts when it closes, i.e. when this JVM dies
    } catch (IOException e) {
      // it died already; the wait below reports how
    }
    try {
      CompletableFuture.anyOf(handshake, process.onExit())
          .get(config.spawnTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // reported by the caller
    } catch (ExecutionException e) {
      // closed while starting
    } finally {
      handshakes.remove(id);
    }
    Frames frames = handshake.isDone() && !handshake.isCompletedExceptionally() ? handshake.join() : null;
    return new Launch(w, frames, cmd.getFirst());
  }

  /**
   * Records the AOT cache in a worker of its own, beside the pool's workers, which start without
   * it meanwhile. The recorder makes its handshake, runs one {@link RecorderTask} and is asked to
   * exit, so the cache holds the worker's start-up and Gearbox's side of a call, and none of the
   * user's classes. A worker that had run the user's tasks would record their classes too, and
   * the JVM loads and links every class of a cache while it starts (JEP 483), looking up what
   * they refer to along the class path: a cache recorded after the CLI's benchmark tasks made
   * later workers start slower than no cache at all (145 against 116 ms to exit; 93 ms with the
   * worker's start-up alone). close() joins the recorder.
   */
  private void startRecorder(WorkerAotCache.Use use) {
    CompletableFuture<Void> launched = new CompletableFuture<>();
    Thread t = Thread.ofVirtual().name("gearbox-" + poolName + "-aot-recorder")
        .unstarted(() -> record(use, launched));
    lock.lock();
    try {
      if (closed) {
        aot.recorded(null); // releases the recording lock: nothing was written
        return;
      }
      recorderLaunched = launched;
      spawners.add(t);
    } finally {
      lock.unlock();
    }
    try {
      t.start();
    } catch (RuntimeException | Error e) { // no thread: no recording, and nothing to wait for
      lock.lock();
      try {
        spawners.remove(t);
      } finally {
        lock.unlock();
      }
      launched.complete(null);
      aot.recorded(null);
    }
  }

  private void record(WorkerAotCache.Use use, CompletableFuture<Void> launched) {
    Worker w = null;
    Frames frames = null;
    try {
      Launch launch;
      try {
        launch = launch(use);
      } finally {
        launched.complete(null);
      }
      w = launch.worker();
      w.expectedExit = true; // its exit is the point; the JVM's notes about the cache are not shown
      frames = launch.frames();
      if (frames != null) {
        Worker recorder = w;
        // a minute for the task, the exit and the cache's writing together (a kill also ends a
        // read); run on the delay scheduler's own thread, which a busy common pool cannot hold up
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> {
          if (recorder.process.isAlive()) {
            recorder.kill();
          }
        }, CompletableFuture.delayedExecutor(AOT_WRITE_MILLIS, TimeUnit.MILLISECONDS, Runnable::run));
        try {
          byte[] task = recorderTask.get();
          if (task != null) {
            Run.write(frames, 1, Run.encode(1, Frames.CALL, RecorderTask.class.getPackageName(),
                task, null));
            while (frames.read().type() != Frames.RESULT) {
              // nothing else is asked of it
            }
          }
          Control.writeShutdown(frames);
          w.process.waitFor(AOT_WRITE_MILLIS, TimeUnit.MILLISECONDS); // it exits, writing the cache
        } catch (IOException e) {
          // gone already
        } finally {
          watchdog.cancel(false);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // could not start: no cache this time, and the pool's own workers report such failures
    } finally {
      // whatever happened, no recorder outlives this thread: one still running (no handshake, a
      // minute gone, an error here) is killed, writing nothing, and reaped; the socket stays open
      // until then, since a worker that loses it halts, writing nothing either
      Process process = w == null ? null : w.process;
      if (process != null && process.isAlive()) {
        w.kill();
        process.onExit().join(); // a kill ends it at once
      }
      if (frames != null) {
        frames.close();
      }
      if (w != null) {
        try {
          w.joinThreads(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      aot.recorded(process); // moves a whole cache into place, or cleans up; releases the lock
      lock.lock();
      try {
        spawners.remove(Thread.currentThread());
      } finally {
        lock.unlock();
      }
    }
  }

  /** A duration for a message: whole seconds, or milliseconds. */
  static String describe(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  // ---------------------------------------------------------------- accepting and handshakes

  /**
   * Accepts connections until the socket is closed. An accept() error on an open socket (EMFILE or
   * ENFILE when descriptors run out, ENOMEM, ECONNABORTED) is not the end: the loop backs off
   * (10 ms doubling to 1 s, reset by the next success) and tries again, since a pool whose
   * acceptor is gone can never replace a worker.
   */
  private void acceptLoop() {
    long backoffMillis = 0;
    while (true) {
      SocketChannel c;
      try {
        c = server.accept();
        backoffMillis = 0;
      } catch (IOException | RuntimeException e) {
        if (!server.isOpen()) {
          return; // closed
        }
        acceptErrors.incrementAndGet();
        backoffMillis = Math.min(ACCEPT_BACKOFF_MAX_MILLIS, Math.max(10, backoffMillis * 2));
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException interrupted) {
          return; // nobody interrupts this thread but a dying JVM
        }
        continue;
      }
      try {
        admit(c);
      } catch (RuntimeException | OutOfMemoryError e) { // no thread or buffer for it now
        rejectedConnections.incrementAndGet();
        try {
          c.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  /**
   * Starts the handshake of a new connection. At most {@link #MAX_UNAUTHENTICATED} may be in their
   * handshake at once (each holds a descriptor, buffers and a thread for up to
   * {@link #HANDSHAKE_TIMEOUT_MILLIS}); past that the oldest is cut off, since a worker's own
   * handshake takes milliseconds and the oldest one waiting is the likeliest to be silent.
   */
  private void admit(SocketChannel c) {
    Frames frames = new Frames(c);
    Frames evicted = null;
    synchronized (unauthenticated) {
      unauthenticated.add(frames);
      if (unauthenticated.size() > MAX_UNAUTHENTICATED) {
        evicted = unauthenticated.iterator().next();
        unauthenticated.remove(evicted);
      }
    }
    if (evicted != null) {
      evicted.close(); // its handshake thread fails its read and counts the rejection
    }
    Thread t = Thread.ofVirtual().name("gearbox-" + poolName + "-handshake").unstarted(() -> {
      try {
        handshake(frames);
      } finally {
        handshakeThreads.remove(Thread.currentThread());
      }
    });
    handshakeThreads.add(t);
    try {
      t.start();
    } catch (RuntimeException | OutOfMemoryError e) {
      handshakeThreads.remove(t);
      forget(frames);
      throw e;
    }
  }

  private void forget(Frames frames) {
    synchronized (unauthenticated) {
      unauthenticated.remove(frames);
    }
  }

  private void handshake(Frames frames) {
    if (closing) {
      frames.close();
    }
    java.util.concurrent.atomic.AtomicBoolean authenticated = new java.util.concurrent.atomic.AtomicBoolean();
    // a client that connects and stays silent is cut off; none blocks a thread for long
    CompletableFuture.delayedExecutor(HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).execute(() -> {
      if (!authenticated.get()) {
        frames.close();
      }
    });
    try {
      byte[] nonce = Auth.nonce();
      frames.write(Frames.CHALLENGE, 0, nonce);
      Handshake.Hello hello = Handshake.decodeHello(frames.read());
      long pid = hello.pid();
      int workerId = hello.workerId();
      if (!Auth.same(hello.mac(), Auth.mac(secret, "worker", nonce, workerId, pid))) {
        throw new IOException("authentication failed");
      }
      CompletableFuture<Frames> waiting = handshakes.get(workerId);
      if (waiting == null) {
        throw new IOException("no worker " + workerId + " is starting");
      }
      frames.maxFrame(config.maxFrameBytes()); // authenticated: WELCOME may exceed 4 KiB
      Handshake.writeWelcome(frames, Auth.mac(secret, "parent", hello.nonce(), workerId, pid), welcomeConfig);
      authenticated.set(true);
      if (!waiting.complete(frames)) {
        frames.close();
      }
    } catch (IOException | RuntimeException e) {
      rejectedConnections.incrementAndGet();
      frames.close();
    } finally {
      forget(frames);
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * Stops every worker: asks each to exit, then terminates and finally kills the ones that do not,
   * and waits for every process and thread. Idempotent.
   */
  void close() {
    List<Worker> all;
    List<Thread> spawning;
    lock.lock();
    try {
      closed = true;
      all = new ArrayList<>(live);
      live.clear();
      idle.clear();
      spawning = new ArrayList<>(spawners);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // a recorder still starting is let make its handshake: cut off, it would write no cache, and
    // a pool closed soon after it was built would never leave one
    boolean interrupted = false;
    CompletableFuture<Void> recorderStarting = recorderLaunched;
    if (recorderStarting != null) {
      try {
        recorderStarting.get(config.spawnTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // cut off below
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    handshakes.values().forEach(f -> f.completeExceptionally(new PoolClosedException("closed")));
    for (Worker w : all) {
      w.expectedExit = true;
      w.process.descendants().forEach(ProcessHandle::destroyForcibly); // processes tasks started
      try {
        if (w.frames() != null) {
          Control.writeShutdown(w.frames());
        }
      } catch (IOException ignored) {
        // already gone
      }
    }
    for (Worker w : all) {
      try {
        if (!w.process.waitFor(2000, TimeUnit.MILLISECONDS)) {
          w.process.destroy();
          if (!w.process.waitFor(2, TimeUnit.SECONDS)) {
            w.process.destroyForcibly();
            w.process.waitFor();
          }
        }
      } catch (InterruptedException e) {
        interrupted = true;
        w.process.destroyForcibly();
      }
    }
    for (Thread t : spawning) { // an AOT recorder among them: the cache in place when close returns
      try {
        t.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      server.close();
      acceptor.join(5000);
    } catch (IOException | InterruptedException e) {
      interrupted |= e instanceof InterruptedException;
    }
    closing = true;
    List<Frames> cutOff;
    synchronized (unauthenticated) {
      cutOff = List.copyOf(unauthenticated);
    }
    cutOff.forEach(Frames::close);
    // a channel closed while a virtual thread waits in its read is released when that thread
    // wakes: wait for them, so a client still in its handshake has been cut off when close returns
    for (Thread t : handshakeThreads) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    for (Worker w : all) {
      try {
        w.process.waitFor();
        w.awaitDeath(10_000); // its exit watcher has reported it
        w.joinThreads(5000);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    SocketDirectories.delete(dir);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

}
