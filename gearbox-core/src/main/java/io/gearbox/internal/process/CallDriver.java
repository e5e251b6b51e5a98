package io.gearbox.internal.process;

import io.gearbox.CancelRung;
import io.gearbox.PoisonTaskException;
import io.gearbox.TaskCodec;
import io.gearbox.WorkerCrashedException;
import io.gearbox.WorkerSite;
import io.gearbox.internal.codec.Values;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.InvalidClassException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * What a driver thread does with one {@link RemoteCall}: take a worker, send it the task, wait
 * for the reply, decode it; on a cancel or deadline climb the ladder; on a crash retry or fail.
 * The process pool runs one driver thread per worker (its {@code ExecutorPool} of drivers); this
 * class holds no per-driver state, only the counters the pool's stats read.
 *
 * <h2>Implementation overview</h2>
 *
 * <p><b>Flow.</b> The facade ({@link ProcessPoolEngine}) submits a {@link RemoteCall} to its
 * driver pool; the driver pool's {@code TaskRun} calls {@link RemoteCall#call()}, which comes here
 * ({@link #execute}). From here the flow goes one way, down to the worker's connection: {@link
 * WorkerSet#acquire()} an idle worker, {@link Worker#register} the call id, write {@link Run},
 * {@link Worker#await} the RESULT on this same thread (no reader thread in the round trip), decode
 * it ({@link Result}, {@link Values}), {@link WorkerSet#release} the worker.
 *
 * <p><b>Ladder.</b> A cancel or deadline interrupts the driver thread while it waits. It then
 * sends CANCEL ({@link Control}) from a thread nobody interrupts, waits the cancel grace for the
 * worker's reply (the task saw its interrupt: {@link CancelRung#INTERRUPTED}), else kills the
 * worker ({@link CancelRung#KILLED}; the set replaces it). Each step is recorded on the call for
 * the handle's {@code cancelRung()}.
 *
 * <p><b>Calls driven by their caller.</b> {@code invoke}'s thread, or a {@code join}ing thread
 * that found its call still queued, may run its call here itself ({@link CallerDrives}), with a
 * worker it reserved for the first attempt (read only on that thread: a joiner that lost the call
 * to a driver gives its reservation back). Everything below holds
 * for it, with two differences: an interrupt that is not the pool's cancels the task ({@link
 * RemoteCall#interruptSeen()}, called wherever an interrupt is seen), and the ladder runs on a
 * thread of its own, which releases the worker, so the caller returns as soon as the handle is
 * terminal.
 *
 * <p><b>Crashes and retries.</b> A worker that dies under a call fails it with a {@link
 * WorkerCrashedException}; the call is retried on another worker while it has retries left (and
 * was not cancelled, and the pool is not broken). A task that used up its retries fails with
 * {@link PoisonTaskException}, unless every crash was a kill from outside, when it fails with the
 * last crash. A task that never reached its worker (the socket refused every byte) is no attempt
 * and is sent again. Every attempt has its own call id; a reply to a superseded id is dropped by
 * {@link Worker#await}, so no handle completes twice.
 *
 * <p><b>Output.</b> What the task printed comes back in its RESULT (or from the worker's spool
 * after a crash) and is kept on the call, and replayed ({@link OutputReplay}) if the pool says so.
 *
 * <p>Thread-safe: any number of driver threads run calls at once; the counters are adders.
 */
final class CallDriver implements RemoteCall.Driver {

  private final String poolName;
  private final WorkerSet workers;
  private final TaskCodec codec;
  private final Duration cancelGrace;
  private final boolean replayOutput;
  /** Whether the pool is shutting down: a second interrupt in a ladder is then no escalation. */
  private final BooleanSupplier stopping;
  /** Where a caller-driven call's cancel ladder runs, so that its caller does not wait for it. */
  private final CallerDrives callers;

  private final AtomicLong callIds = new AtomicLong();
  final LongAdder retries = new LongAdder();
  final LongAdder undelivered = new LongAdder();
  /** Drivers waiting for the first worker of their task: those tasks count as queued. */
  final LongAdder awaitingWorker = new LongAdder();
  /** The workers' CPU time of tasks, the calls that measured it and their workers' wall time. */
  final LongAdder workerCpuNanos = new LongAdder();
  final LongAdder cpuMeasuredCalls = new LongAdder();
  final LongAdder cpuMeasuredWallNanos = new LongAdder();
  /** Waits for a worker to start, over every call. */
  final LongAdder startupNanos = new LongAdder();

  CallDriver(String poolName, WorkerSet workers, TaskCodec codec, Duration cancelGrace,
      boolean replayOutput, BooleanSupplier stopping, CallerDrives callers) {
    this.poolName = poolName;
    this.workers = workers;
    this.codec = codec;
    this.cancelGrace = cancelGrace;
    this.replayOutput = replayOutput;
    this.stopping = stopping;
    this.callers = callers;
  }

  /** Runs a call on a worker, with retries for idempotent tasks; on a driver thread. */
  @Override
  public <T> T execute(RemoteCall<T> call) throws Exception {
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
        // a caller driving its call took an idle worker for its first attempt. Only that caller
        // reads it: a joiner that lost its call to a driver still holds (then releases) it
        w = call.drivenHere() ? call.reserved : null;
        if (w != null) {
          call.reserved = null;
        } else {
          w = workers.acquire(); // a driver per worker: it waits only while its worker starts
        }
      } catch (InterruptedException e) {
        call.interruptSeen();
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
          call.interruptSeen();
          if (call.attempts == 0) {
            call.rung = CancelRung.NOT_STARTED;
          }
          throw new InterruptedException("cancelled before the task reached a worker");
        }
        continue;
      } catch (WorkerCrashedException e) {
        crashes.add(e);
        keepCrashOutput(call, w);
        if (Thread.currentThread().isInterrupted()) {
          call.interruptSeen();
        }
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
        if (!call.ladderHandedOff) { // else the ladder's thread releases it when it ends
          workers.release(w);
        }
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
    if (Thread.currentThread().isInterrupted()) { // cancelled before the task was sent
      call.interruptSeen();
      Thread.interrupted(); // it never reached the worker
      w.unregister(callId);
      call.rung = CancelRung.NOT_STARTED;
      throw new InterruptedException();
    }
    try {
      Run.write(w.frames(), callId, run);
    } catch (ProtocolException e) {
      w.unregister(callId);
      throw new IllegalArgumentException("task too large to send: " + e.getMessage(), e);
    } catch (InterruptedIOException e) {
      // cancelled while the worker was not reading: if part of the frame went out, the stream is
      // broken and the worker must go; if none did, the task never reached it
      call.interruptSeen();
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
          call.interruptSeen();
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
    call.interruptSeen(); // a caller driving its call, interrupted: that cancels it
    Thread.interrupted(); // cancelled or timed out: the handle is already terminal
    if (call.drivenHere()) {
      // the caller returns now, as a join does at a deadline; the ladder keeps the worker
      callers.startLadder(() -> {
        try {
          ladder(call, w, callId, p);
        } finally {
          workers.release(w);
        }
      });
      call.ladderHandedOff = true;
    } else {
      ladder(call, w, callId, p);
    }
    throw new InterruptedException("cancelled");
  }

  /** Cancel or deadline while the task runs in a worker: interrupt, wait the grace, then kill. */
  private void ladder(RemoteCall<?> call, Worker w, long callId, Worker.Pending p) {
    call.rung = CancelRung.REQUESTED;
    // Written by a thread nobody interrupts: shutdownNow interrupts a driver twice (its task's
    // cancel, then the pool's threads), and a write given up half-way would cost the worker.
    Thread.ofVirtual().name("gearbox-" + poolName + "-cancel").start(() -> {
      try {
        Control.writeCancel(w.frames(), callId);
      } catch (IOException e) {
        // gone already: the wait below ends at once
      }
    });
    // If the pool was already stopping when the ladder began, a further interrupt is that same
    // shutdownNow, not an escalation: the (bounded) grace runs its course. Otherwise it is
    // shutdownNow or close on top of a cancel, and the worker is killed at once.
    boolean stopping = this.stopping.getAsBoolean();
    boolean reinterrupted = false;
    long graceEnd = System.nanoTime() + cancelGrace.toNanos();
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
      if (replayOutput) {
        OutputReplay.replay(call.name, call.output);
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
      if (replayOutput && !call.output.isEmpty()) {
        OutputReplay.replay(call.name, call.output);
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
      throw RemoteCall.<RuntimeException>sneaky(t);
    }
    return (T) value;
  }
}
