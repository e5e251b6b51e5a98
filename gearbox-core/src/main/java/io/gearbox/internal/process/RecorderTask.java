package io.gearbox.internal.process;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * The one task the worker that records the AOT cache runs before it exits: Gearbox's own, so the
 * cache holds the classes every call needs (the codec, the RUN and RESULT messages, the output
 * capture) and none of the user's. A user's task in the cache would make every later worker load
 * it and look up what it refers to along the whole class path while it starts.
 */
record RecorderTask(String value) implements Callable<String>, Serializable {

  @Override
  public String call() {
    return value;
  }
}
