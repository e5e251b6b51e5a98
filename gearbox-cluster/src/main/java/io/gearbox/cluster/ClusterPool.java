package io.gearbox.cluster;

import io.gearbox.MapOptions;
import io.gearbox.Pool;
import io.gearbox.SerializableCallable;
import io.gearbox.SerializableFunction;
import io.gearbox.TaskOptions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A pool whose tasks run on the members of a Hazelcast cluster: the JVM's answer to Ray or Dask,
 * behind the same {@link Pool} interface, so code moves from {@code Gearbox.processes(4)} to a
 * cluster by changing one factory call. Create one with {@link GearboxCluster#embedded()},
 * {@link GearboxCluster#connect(String...)} or {@link GearboxCluster#builder()}.
 *
 * <pre>{@code
 * try (ClusterPool pool = GearboxCluster.connect("10.0.0.5:5701", "10.0.0.6:5701")) {
 *   long r = pool.invoke(() -> computeHeavy(4));
 *   List<Integer> lengths = pool.map(String::length, words).toList();   // batched
 * }
 * }</pre>
 *
 * <p><b>Tasks</b> travel as JDK serialization behind an allow-list, like a process pool's: the
 * {@link SerializableCallable} and {@link SerializableFunction} overloads make lambdas
 * serializable; a task that cannot be encoded fails at submit with
 * {@link io.gearbox.TaskNotSerializableException} naming the class and field path. Every member
 * needs the task classes on its class path ({@code ./gearbox worker --class-path ...}); a task
 * whose class a member lacks fails with a message naming the class and that fix.
 *
 * <p><b>Placement.</b> A task with a {@link TaskOptions#withKey key} runs on the key's owner;
 * others go to the member with the fewest of this pool's tasks in flight ({@link Placement}).
 *
 * <p><b>Failures.</b> A task's exception comes back as its own type when the allow-list permits
 * (else a {@link io.gearbox.RemoteTaskException}). A member that dies or leaves mid-task fails the
 * task with {@link MemberLostException}: at-most-once by default; with
 * {@link TaskOptions#withRetries(int) withRetries(n)} it is run again on another member, up to n
 * more times (at-least-once: such tasks must be idempotent).
 *
 * <p><b>Cancellation and deadlines</b> complete the handle at once and interrupt the task on its
 * member. {@link #close()} waits for accepted tasks, then leaves the cluster (an embedded member
 * shuts down; a client disconnects) and stops every Hazelcast thread it started.
 *
 * <p>Thread-safe, like every {@link Pool}. {@link #kind()} is {@link io.gearbox.PoolKind#PROCESSES}:
 * the tasks run in other JVMs, with a process pool's serialization rules.
 */
public interface ClusterPool extends Pool {

  @Override
  <T> ClusterTaskHandle<T> submit(Callable<T> task);

  @Override
  <T> ClusterTaskHandle<T> submit(Callable<T> task, TaskOptions options);

  /**
   * Submits a task; a lambda passed here is compiled as serializable.
   *
   * @throws io.gearbox.TaskNotSerializableException if the task cannot be encoded
   * @see Pool#submit(Callable)
   */
  <T> ClusterTaskHandle<T> submit(SerializableCallable<T> task);

  /**
   * Submits a task with options; a lambda passed here is compiled as serializable.
   *
   * @throws io.gearbox.TaskNotSerializableException if the task cannot be encoded
   * @see Pool#submit(Callable, TaskOptions)
   */
  <T> ClusterTaskHandle<T> submit(SerializableCallable<T> task, TaskOptions options);

  /** {@link Pool#invoke} for a serializable lambda. */
  <T> T invoke(SerializableCallable<T> task);

  /**
   * {@link Pool#map(Function, Iterable)} for a serializable function. Items travel in batches
   * (one remote call applies the function to many items), so tiny items do not pay one network
   * round trip each; results still come one per input, in input order.
   */
  <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> inputs);

  /** {@link #map(SerializableFunction, Iterable)} with options; a per-item deadline turns batching off. */
  <T, R> Stream<R> map(SerializableFunction<? super T, ? extends R> fn,
      Iterable<? extends T> inputs, MapOptions options);

  /** The data members that run tasks now, as {@code host:port}, in the cluster's order. */
  List<String> members();

  /** The process ids of the members that run tasks now (-1 where a member did not publish one). */
  List<Long> memberPids();

  /**
   * This JVM's own member address ({@code host:port}) if the pool is an embedded member, so other
   * members can join it; empty for a client.
   */
  java.util.Optional<String> localAddress();

  /** Tasks re-sent to another member after their member was lost (each retry counts once). */
  long retried();
}
