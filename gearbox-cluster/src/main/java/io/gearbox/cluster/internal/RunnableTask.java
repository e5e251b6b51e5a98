package io.gearbox.cluster.internal;

import java.io.Serializable;
import java.util.concurrent.Callable;

/** A serializable {@link Runnable} as a task, for the ExecutorService view. */
record RunnableTask(Runnable command, Object result) implements Callable<Object>, Serializable {

  @Override
  public Object call() {
    command.run();
    return result;
  }
}
