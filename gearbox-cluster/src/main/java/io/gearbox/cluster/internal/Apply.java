package io.gearbox.cluster.internal;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** One item of an unbatched map, as a task: applies the function to the item on a member. */
record Apply<T, R>(Function<? super T, ? extends R> fn, T item) implements Callable<R>, Serializable {

  @Override
  public R call() {
    return fn.apply(item);
  }
}
