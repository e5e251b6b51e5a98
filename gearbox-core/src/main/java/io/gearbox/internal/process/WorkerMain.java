package io.gearbox.internal.process;

import io.gearbox.ProcessChannel;
import io.gearbox.RemoteTaskException;
import io.gearbox.TaskCodec;
import io.gearbox.TaskOutput;
import io.gearbox.internal.CpuClock;
import io.gearbox.internal.codec.JdkCodec;
import io.gearbox.internal.codec.SerializationPaths;
import io.gearbox.internal.codec.Values;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The entry point of a worker JVM. Started by the pool as
 * {@code java [options] -cp <caller's class path> io.gearbox.internal.process.WorkerMain <socket> <id> <pool>}.
 *
 * <h2>Implementation overview</h2>
 *
 * <ol>
 *   <li>Reads the pool's secret from the first line of stdin (never the command line), then keeps
 *       reading stdin on a daemon thread: end of file means the parent is gone (even by SIGKILL,
 *       the kernel closes the pipe), and the worker halts at once. No orphans.
 *   <li>Connects to the pool's Unix-domain socket and runs the mutual HMAC handshake
 *       ({@link Auth}); receives the codec settings and the frame cap.
 *   <li>Replaces {@code System.out}/{@code System.err} with per-task capture
 *       ({@link OutputCapture}); the protocol never touches file descriptors 1 and 2, so nothing a
 *       task or the JVM prints there can corrupt it.
 *   <li>Two threads take turns reading frames and running tasks ({@link #serve()}): the reader
 *       runs the task it read; the other watches and takes over reading if that task runs long
 *       (or waits for a channel reply), so CANCEL still arrives. CANCEL interrupts the thread running that call if, under a lock, it
 *       still is; that thread clears its interrupt flag under the same lock before writing its
 *       result, so a late cancel can neither hit the next task nor close the socket (an
 *       interrupted write would).
 * </ol>
 *
 * <p>Public for io.gearbox.Gearbox.workerChannel ({@link #channel}); not exported.
 */
public final class WorkerMain {

  private static volatile boolean inWorker;
  private static volatile WorkerMain instance;

  private final Frames frames;
  private final TaskCodec codec;
  private final JdkCodec jdkCodec; // null with a custom codec
  /**
   * Who may read the socket ({@link #serve()}): {@link #READING} (the thread that set it reads),
   * {@link #LENT} (the reader's task waits for a channel reply: the watcher is to read), or the
   * sequence number of the task the reader is running while no one reads.
   */
  private final AtomicLong readerRole = new AtomicLong(READING);
  private static final long READING = -1;
  private static final long LENT = -2;
  /** How often the watcher looks at a running task; a task running 1-2 ticks loses the socket. */
  private static final long WATCH_TICK_NANOS = 1_000_000;
  /** Ticks with no task started before the watcher parks until the next task starts. */
  private static final int IDLE_TICKS = 50;
  private long tasksStarted; // the sequence; written by the reader only
  private volatile long lastTaskStarted;
  private volatile Thread reader; // the thread running task number readerRole, while it is one
  private volatile Thread watcher;
  private volatile boolean watcherParked;
  private final Set<Long> cancelledBeforeStart = new HashSet<>(); // guarded by taskLock
  private final Object taskLock = new Object();
  private final ConcurrentHashMap<Long, CompletableFuture<Frames.Frame>> channelRequests =
      new ConcurrentHashMap<>();
  private final AtomicLong channelRequestIds = new AtomicLong();
  /**
   * Writes frames that must not be written by the reader (it would stop reading while the pool
   * waits for it to read) or by a task's thread after an interrupt (an interrupted write closes
   * the socket): channel cancels and give-backs.
   */
  private final java.util.concurrent.ExecutorService controlWriter =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          Thread.ofPlatform().daemon(true).name("gearbox-worker-writer").factory());
  private long currentCall; // guarded by taskLock
  private Thread currentThread; // guarded by taskLock
  private long lastStartedCall; // guarded by taskLock

  private WorkerMain(Frames frames, TaskCodec codec, JdkCodec jdkCodec) {
    this.frames = frames;
    this.codec = codec;
    this.jdkCodec = jdkCodec;
  }

  /** Whether this JVM is a process-pool worker. */
  static boolean inWorker() {
    return inWorker;
  }

  /**
   * Runs the worker.
   *
   * @param args socket path, worker id, pool name
   */
  public static void main(String[] args) throws Exception {
    inWorker = true;
    if (args.length != 3) {
      System.err.println("gearbox worker: expected <socket> <worker-id> <pool>; this class is started"
          + " by a process pool, not by hand");
      System.exit(2);
    }
    // Up to the handshake, no lambda, method reference or string concatenation: each would
    // bootstrap java.lang.invoke on the start-up path (tens of milliseconds in a cold JVM).
    InputStream stdin = new FileInputStream(FileDescriptor.in);
    String secret = readLine(stdin);
    long pid = parsePid(readLine(stdin)); // sent by the pool, which started this process
    Thread.ofPlatform().daemon(true).name("gearbox-worker-parent-watch").start(new ParentWatch(stdin));
    System.setIn(new ByteArrayInputStream(new byte[0]));

    int workerId = Integer.parseInt(args[1]);
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
    Frames frames = new Frames(ch);

    Handshake.Welcome welcome = null;
    try {
      welcome = Handshake.asWorker(frames, secret, pid, workerId);
    } catch (Handshake.Refused e) {
      fail(e.getMessage());
    }
    int maxFrame = welcome.maxFrame;
    String codecClass = welcome.codecClass;
    List<String> packages = welcome.allowPackages;
    boolean capture = welcome.capture;
    JdkCodec jdk = codecClass.isEmpty() ? new JdkCodec(packages, maxFrame, true) : null;
    TaskCodec codec = jdk != null ? jdk
        : (TaskCodec) Class.forName(codecClass).getConstructor().newInstance();
    if (capture) {
      Path socket = Path.of(args[0]);
      OutputCapture.install(socket.resolveSibling("w" + workerId)); // Worker.spool reads it
    }
    WorkerMain worker = new WorkerMain(frames, codec, jdk);
    instance = worker;
    Thread.ofPlatform().daemon(true).name("gearbox-worker-warmup").start(() -> {
      CpuClock.currentThreadCpuNanos(); // loads the management classes in the background
    });
    worker.serve();
  }

  /** Halts the worker when its stdin ends: the parent is gone (even by SIGKILL). */
  private static final class ParentWatch implements Runnable {
    private final InputStream stdin;

    ParentWatch(InputStream stdin) {
      this.stdin = stdin;
    }

    @Override
    public void run() {
      try {
        while (stdin.read() >= 0) {
          // the parent never writes after the secret; keep reading until it is gone
        }
      } catch (IOException ignored) {
        // treated as end of file
      }
      Runtime.getRuntime().halt(0);
    }
  }

  private static void fail(String why) {
    System.err.println("gearbox worker: " + why);
    Runtime.getRuntime().halt(3);
  }

  private static long parsePid(String line) {
    try {
      return Long.parseLong(line);
    } catch (NumberFormatException e) {
      fail("no pid on stdin after the secret");
      return -1;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      b.append((char) c);
    }
    return b.toString().trim();
  }

  // ---------------------------------------------------------------- serving

  /**
   * Two threads take turns reading frames and running tasks. The reader runs the RUN it read
   * itself, without giving up the socket: a tiny task's round trip wakes one thread in this JVM
   * (the reader, on the frame), not three (a leader/followers hand-off woke the other thread to
   * read, then parked the runner: two more thread switches, 20-40 us of this JVM's CPU per task
   * on a 2-core paravirtualized machine, docs/benchmarks-journal.md). The other thread, the watcher,
   * looks every {@link #WATCH_TICK_NANOS} while tasks flow: once one task has been running for a
   * whole tick it takes over reading ({@link #readerRole} CAS from the task's number to READING),
   * so CANCEL and channel replies still arrive while a task runs; a task that waits for a channel
   * reply lends the socket at once ({@link #lendSocket()}). The thread whose task ended reads on
   * if its CAS back to READING wins, else it becomes the watcher. With no task started for
   * {@link #IDLE_TICKS} ticks the watcher parks until the next one starts (one wake-up a burst).
   */
  private void serve() {
    Thread.ofPlatform().daemon(true).name("gearbox-worker-runner").start(() -> serveLoop(false));
    serveLoop(true);
  }

  private void serveLoop(boolean reading) {
    while (true) {
      if (!reading) {
        watch(); // returns once this thread has taken the role
      }
      Frames.Frame f;
      try {
        while (true) {
          f = frames.read();
          if (f.type() == Frames.RUN) {
            break;
          }
          control(f);
        }
      } catch (IOException e) {
        Runtime.getRuntime().halt(0); // the pool closed the socket or died: nothing left to do
        return;
      }
      long task = ++tasksStarted;
      reader = Thread.currentThread();
      readerRole.set(task); // this thread keeps the role while it runs the task
      lastTaskStarted = task;
      if (watcherParked) { // idle until now: the watcher starts looking again
        watcherParked = false;
        LockSupport.unpark(watcher);
      }
      byte[] result;
      try {
        result = run(f);
      } catch (Throwable t) { // never leave a call without a reply
        result = failure(t);
      }
      try {
        try {
          Result.write(frames, f.id(), result);
        } catch (ProtocolException overCap) { // refused before anything was written
          Result.write(frames, f.id(), failure(new IllegalStateException("the task's reply"
              + " (its result and captured output, " + result.length + " bytes) is over the frame"
              + " cap of " + frames.maxFrame() + " bytes (ProcessPoolBuilder.maxFrameBytes):"
              + " return or print less, or raise the cap")));
        }
      } catch (IOException e) {
        Runtime.getRuntime().halt(0); // the pool is gone
      }
      reading = readerRole.compareAndSet(task, READING); // else the watcher reads now
    }
  }

  /** The watcher's loop; returns when this thread has taken the reader's role. */
  private void watch() {
    watcher = Thread.currentThread();
    long seen = 0;
    long started = lastTaskStarted;
    int idle = 0;
    while (true) {
      long role = readerRole.get();
      if (role == LENT || (role > 0 && role == seen)) { // lent, or one task ran a whole tick
        if (readerRole.compareAndSet(role, READING)) {
          return;
        }
        continue;
      }
      seen = role;
      long last = lastTaskStarted;
      idle = last == started ? idle + 1 : 0;
      started = last;
      if (idle > IDLE_TICKS && role == READING) {
        watcherParked = true; // then re-check: a task starting now sees the flag, or we see it
        if (readerRole.get() == READING && lastTaskStarted == started) {
          LockSupport.park(this);
        }
        watcherParked = false;
        idle = 0;
      } else {
        LockSupport.parkNanos(this, WATCH_TICK_NANOS);
      }
    }
  }

  /**
   * Called by a task's thread before it waits for a reply from the pool: if it is the reader
   * (running its task with the socket unread), the watcher takes over reading now.
   */
  private void lendSocket() {
    long role = readerRole.get();
    if (role > 0 && reader == Thread.currentThread() && readerRole.compareAndSet(role, LENT)) {
      LockSupport.unpark(watcher);
    }
  }

  private void control(Frames.Frame f) throws IOException {
    switch (f.type()) {
      case Frames.CANCEL -> cancel(f.id());
      case Frames.SHUTDOWN -> {
        System.out.flush();
        System.err.flush();
        System.exit(0);
      }
      case Frames.CH_ACK, Frames.CH_ITEM, Frames.CH_CLOSED -> channelReply(f);
      default -> throw new IOException("unexpected frame type " + f.type());
    }
  }

  private void cancel(long callId) {
    synchronized (taskLock) {
      if (currentCall == callId) {
        currentThread.interrupt();
      } else if (callId > lastStartedCall) {
        cancelledBeforeStart.add(callId); // its RUN is being started by the other thread
      } // else: it finished already
    }
  }

  /** A THREW reply with no output, for a failure outside the task itself. */
  private byte[] failure(Throwable t) {
    return result(Frames.THREW, 0, 0, TaskOutput.EMPTY, encodeThrowable(t));
  }

  /** A RESULT payload: see {@link Result}. */
  private static byte[] result(byte status, long wall, long cpu, TaskOutput output, byte[] body) {
    return Result.encode(status, wall, cpu, output, body);
  }

  /** Runs one RUN frame and returns the RESULT payload. */
  private byte[] run(Frames.Frame f) {
    long w0 = System.nanoTime();
    long c0 = CpuClock.currentThreadCpuNanos();
    OutputCapture.Buffers buffers = OutputCapture.begin();
    Object value = null;
    Throwable error = null;
    byte kind = Frames.CALL;
    boolean cancelledEarly;
    synchronized (taskLock) {
      Thread.interrupted();
      currentCall = f.id();
      currentThread = Thread.currentThread();
      lastStartedCall = Math.max(lastStartedCall, f.id());
      cancelledEarly = cancelledBeforeStart.remove(f.id());
    }
    try {
      if (cancelledEarly) {
        throw new CancellationException("cancelled before it started");
      }
      Run run = Run.decode(f.payload());
      kind = run.kind();
      if (jdkCodec != null) {
        jdkCodec.allowTaskPackage(run.pkg());
      }
      value = kind == Frames.CALL
          ? ((Callable<?>) codec.decode(run.task())).call()
          : runBatch(kind, run.task(), run.items());
    } catch (Throwable t) {
      error = t;
    } finally {
      synchronized (taskLock) {
        currentCall = 0;
        currentThread = null;
        Thread.interrupted();
      }
    }
    TaskOutput output = OutputCapture.end(buffers);
    long wall = System.nanoTime() - w0;
    long cpu = CpuClock.currentThreadCpuNanos() - c0;
    byte status = error == null ? Frames.OK : Frames.THREW;
    boolean batch = kind != Frames.CALL;
    byte[] body;
    if (error == null) {
      Throwable encodeError = null;
      byte[] encoded = null;
      try {
        encoded = batch ? Values.encodeBatch((List<?>) value, codec) : Values.encode(value, codec);
      } catch (Throwable t) {
        encodeError = t;
        if (kind == Frames.OUTCOME_BATCH) {
          encoded = encodeEachOutcome((List<?>) value); // each item its own outcome
        }
      }
      if (encoded != null) {
        body = encoded;
      } else {
        status = Frames.THREW;
        body = encodeThrowable(explainEncode("the result", value, encodeError));
      }
    } else {
      body = encodeThrowable(error);
    }
    return result(status, wall, cpu, output, body);
  }

  /** Why a value could not be encoded, with the path to the culprit where it can be found. */
  private static Throwable explainEncode(String what, Object value, Throwable t) {
    if (t instanceof java.io.NotSerializableException && value != null) {
      try {
        return SerializationPaths.explain(what, value, t);
      } catch (Throwable explainFailed) { // it runs user toString() and iterators
        return t;
      }
    }
    return t;
  }

  /**
   * An outcome batch (mapOutcomes) whose results could not be encoded together: each item that
   * cannot be encoded on its own becomes that item's failure, the others stay results. Null if
   * even that fails.
   */
  private byte[] encodeEachOutcome(List<?> items) {
    try {
      List<Object> checked = new ArrayList<>(items.size());
      for (Object item : items) {
        try {
          Values.encode(item, codec);
          checked.add(item);
        } catch (Throwable t) {
          checked.add(new ItemFailure(portable(explainEncode("the result", item, t))));
        }
      }
      return Values.encodeBatch(checked, codec);
    } catch (Throwable t) {
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private Object runBatch(byte kind, byte[] fnBytes, byte[] itemBytes) throws Exception {
    Function<Object, Object> fn = (Function<Object, Object>) codec.decode(fnBytes);
    List<Object> items = (List<Object>) Values.decodeBatch(itemBytes, codec);
    ArrayList<Object> out = new ArrayList<>(items.size());
    for (Object item : items) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("batch cancelled");
      }
      if (kind == Frames.APPLY_BATCH) {
        out.add(fn.apply(item));
      } else {
        try {
          out.add(fn.apply(item));
        } catch (Throwable t) {
          out.add(new ItemFailure(portable(t)));
        }
      }
    }
    return out;
  }

  /** A throwable the parent can decode: itself if it survives this codec, else a copy. */
  private Throwable portable(Throwable t) {
    try {
      codec.decode(codec.encode(t));
      return t;
    } catch (Throwable e) {
      return RemoteTaskException.of(t);
    }
  }

  private byte[] encodeThrowable(Throwable t) {
    try {
      byte[] body = codec.encode(t);
      codec.decode(body); // the caller must be able to read it: the check portable() makes
      return Values.codecValue(body);
    } catch (Throwable notPortable) {
      // fall through to the copy
    }
    try {
      return Values.encode(RemoteTaskException.of(t), codec);
    } catch (Throwable e) {
      try {
        return Values.encode(new RemoteTaskException(t.getClass().getName(),
            String.valueOf(t.getMessage()), new StackTraceElement[0], null), codec);
      } catch (IOException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }

  // ---------------------------------------------------------------- channels (worker side)

  /** The worker side of a pool channel. */
  @SuppressWarnings("unchecked")
  public static <T> ProcessChannel<T> channel(String name) {
    WorkerMain w = instance;
    if (w == null) {
      throw new IllegalStateException("Gearbox.workerChannel(\"" + name + "\") works only in a task"
          + " running in a process-pool worker; in the caller use ProcessPool.channel(...)");
    }
    return (ProcessChannel<T>) new WorkerChannel<>(w, name);
  }

  private void channelReply(Frames.Frame f) throws IOException {
    CompletableFuture<Frames.Frame> waiter = channelRequests.remove(f.id());
    if (waiter != null) {
      waiter.complete(f);
    } else if (f.type() == Frames.CH_ITEM) {
      // its taker gave up (interrupted or timed out) while the item was in transit: give it back
      byte[] payload = ChannelMessages.Item.decode(f.payload()).encode(); // a CH_PUT of it
      long id = channelRequestIds.incrementAndGet();
      controlWriter.execute(() -> {
        try {
          frames.write(Frames.CH_PUT, id, payload);
        } catch (IOException e) {
          Runtime.getRuntime().halt(0); // the pool is gone
        }
      });
    }
  }

  /** Sends a channel request and waits for its reply. */
  Frames.Frame channelRequest(byte type, byte[] payload, Duration timeout)
      throws InterruptedException, IOException {
    long id = channelRequestIds.incrementAndGet();
    CompletableFuture<Frames.Frame> reply = new CompletableFuture<>();
    channelRequests.put(id, reply);
    boolean wasInterrupted = Thread.interrupted(); // an interrupted socket write closes the socket
    if (wasInterrupted) {
      channelRequests.remove(id);
      throw new InterruptedException();
    }
    frames.write(type, id, payload);
    lendSocket(); // the reply comes on the socket: someone must read it
    try {
      return timeout == null ? reply.get() : reply.get(timeout.toNanos() + 1_000_000_000L,
          TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      channelRequests.remove(id);
      cancelRequest(id);
      return null;
    } catch (InterruptedException e) {
      channelRequests.remove(id);
      cancelRequest(id);
      throw e;
    }
  }

  /** Tells the pool to stop serving a request this side gave up on (a reply already sent is given back). */
  private void cancelRequest(long id) {
    controlWriter.execute(() -> {
      try {
        ChannelMessages.writeCancel(frames, id);
      } catch (IOException e) {
        Runtime.getRuntime().halt(0); // the pool is gone
      }
    });
  }

  TaskCodec codec() {
    return codec;
  }

  /** The worker side of a channel: requests over the worker's socket. */
  private static final class WorkerChannel<T> implements ProcessChannel<T> {
    private final WorkerMain worker;
    private final String name;

    WorkerChannel(WorkerMain worker, String name) {
      this.worker = worker;
      this.name = name;
    }

    @Override
    public ProcessChannel<T> closeWhenDone(io.gearbox.TaskHandle<?>... producers) {
      throw new UnsupportedOperationException("closeWhenDone is for the caller's side of channel '"
          + name + "', which holds the tasks' handles");
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void put(T item) throws InterruptedException {
      java.util.Objects.requireNonNull(item, "item");
      try {
        byte[] bytes = worker.codec().encode(item);
        Frames.Frame reply = worker.channelRequest(Frames.CH_PUT,
            new ChannelMessages.Item(name, bytes).encode(), null);
        if (reply.type() == Frames.CH_CLOSED) {
          throw new IllegalStateException("channel '" + name + "' is closed");
        }
      } catch (IOException e) {
        throw new IllegalStateException("channel '" + name + "': " + e.getMessage(), e);
      }
    }

    @Override
    public T take() throws InterruptedException {
      Optional<T> item = receive(-1);
      return item.orElseThrow(() -> new IllegalStateException("channel '" + name + "' is closed"));
    }

    @Override
    public Optional<T> poll(Duration timeout) throws InterruptedException {
      try {
        return receive(Math.max(0, timeout.toNanos()));
      } catch (IllegalStateException closed) {
        return Optional.empty();
      }
    }

    @SuppressWarnings("unchecked")
    private Optional<T> receive(long waitNanos) throws InterruptedException {
      try {
        Frames.Frame reply = worker.channelRequest(Frames.CH_TAKE,
            new ChannelMessages.Take(name, waitNanos).encode(),
            waitNanos < 0 ? null : Duration.ofNanos(waitNanos));
        if (reply == null) {
          return Optional.empty();
        }
        if (reply.type() == Frames.CH_CLOSED) {
          throw new IllegalStateException("channel '" + name + "' is closed");
        }
        byte[] bytes = ChannelMessages.Item.decode(reply.payload()).item();
        if (bytes.length == 0) {
          return Optional.empty(); // the wait ran out on the pool's side
        }
        return Optional.of((T) worker.codec().decode(bytes));
      } catch (IOException | ClassNotFoundException e) {
        throw new IllegalStateException("channel '" + name + "': " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      throw new UnsupportedOperationException(
          "a channel is closed by its pool's owner (ProcessChannel.close in the caller)");
    }
  }
}
