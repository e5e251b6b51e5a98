package io.gearbox;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A value that fails on purpose at one point of its journey between the caller and a worker: the
 * cells of the process pool's crash matrix. It never kills the caller's JVM: a lethal failure
 * outside a worker is an assertion error instead.
 */
final class Bomb implements Serializable {

  @Serial private static final long serialVersionUID = 1L;

  /** How it fails. */
  enum Failure {
    /** Throws IllegalStateException("bomb ..."). */
    THROW,
    /** {@code System.exit(1)}: shutdown hooks run. */
    EXIT,
    /** {@code Runtime.halt(0)}: no hooks, exit code 0. */
    HALT,
    /** Reads address 8 through java.lang.foreign: a real SIGSEGV in the JVM. */
    NATIVE
  }

  /** Where it fails. */
  enum Where {
    /** In writeObject in the caller (encoding the task). */
    CALLER_WRITE,
    /** In readObject in the worker (decoding the task). */
    WORKER_READ,
    /** In writeObject in the worker (encoding the result). */
    WORKER_WRITE,
    /** In readObject in the caller (decoding the result). */
    CALLER_READ
  }

  final Failure failure;
  final Where where;

  Bomb(Failure failure, Where where) {
    this.failure = failure;
    this.where = where;
  }

  @Serial
  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    if (where == (ProcessTests.inWorker() ? Where.WORKER_WRITE : Where.CALLER_WRITE)) {
      explode(failure);
    }
  }

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (where == (ProcessTests.inWorker() ? Where.WORKER_READ : Where.CALLER_READ)) {
      explode(failure);
    }
  }

  /** Fails as told; a lethal failure only in a worker. */
  static void explode(Failure failure) {
    if (failure != Failure.THROW && !ProcessTests.inWorker()) {
      throw new AssertionError("Bomb " + failure + " would have killed the caller's JVM");
    }
    switch (failure) {
      case THROW -> throw new IllegalStateException("bomb went off");
      case EXIT -> System.exit(1);
      case HALT -> Runtime.getRuntime().halt(0);
      case NATIVE -> System.out.println(
          MemorySegment.ofAddress(8).reinterpret(8).get(ValueLayout.JAVA_LONG, 0));
    }
    throw new AssertionError("still alive after " + failure);
  }
}
