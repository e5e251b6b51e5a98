package io.gearbox.internal.process;

import io.gearbox.ProcessChannel;
import io.gearbox.TaskCodec;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pool's side of its {@link ProcessChannel}s: the channels by name, and the service of the
 * requests workers send about them ({@link ChannelMessages}).
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A channel lives in the caller ({@link ParentChannel}). A worker's CH_PUT or CH_TAKE reaches
 * {@link #onRequest} on whichever driver thread is reading that worker's socket ({@link
 * Worker#await}); a request may wait (a full channel, an empty one), so each is served on its own
 * virtual thread, never on the driver's. The serving thread is recorded under the request id in
 * {@link Worker#channelHandlers}: a CH_CANCEL for that id (its taker gave up) interrupts it, and so
 * does the worker's death. An item taken for a worker that is gone by the time the reply is
 * written goes back to the head of the channel, so no item is lost.
 *
 * <p>Lifecycle: {@link #closeAll()} (called by the reaper once the drivers have terminated, before
 * the workers are stopped) closes every channel, which wakes every waiting request; {@link
 * #joinAll()} (after the workers are gone) joins the serving threads. A channel opened after
 * shutdown is closed at once. Thread-safe.
 */
final class ChannelServer {

  private final String poolName;
  private final TaskCodec codec;
  private final int maxFrameBytes;
  private final ConcurrentHashMap<String, ParentChannel<?>> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Thread, Boolean> handlers = new ConcurrentHashMap<>();

  ChannelServer(String poolName, TaskCodec codec, int maxFrameBytes) {
    this.poolName = poolName;
    this.codec = codec;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Opens a channel; closed at once if the pool is {@code shutDown}. */
  <T> ProcessChannel<T> open(String name, int capacity, boolean shutDown) {
    Objects.requireNonNull(name, "name");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    ParentChannel<T> ch = new ParentChannel<>(name, capacity, codec, maxFrameBytes);
    if (channels.putIfAbsent(name, ch) != null) {
      throw new IllegalArgumentException("pool '" + poolName + "' already has a channel named '" + name + "'");
    }
    if (shutDown) {
      ch.close();
    }
    return ch;
  }

  /**
   * A channel request from a worker: served on its own virtual thread (it may wait), which a
   * CH_CANCEL from the worker (its taker gave up) or the worker's death interrupts.
   */
  void onRequest(Worker w, Frames.Frame f) {
    if (f.type() == Frames.CH_CANCEL) {
      Thread handler = w.channelHandlers.remove(f.id());
      if (handler != null) {
        handler.interrupt();
      }
      return;
    }
    Thread t = Thread.ofVirtual().name("gearbox-" + poolName + "-channel").unstarted(() -> {
      try {
        serve(w, f);
      } finally {
        handlers.remove(Thread.currentThread());
        w.channelHandlers.remove(f.id(), Thread.currentThread());
      }
    });
    handlers.put(t, Boolean.TRUE);
    w.channelHandlers.put(f.id(), t);
    t.start();
  }

  private void serve(Worker w, Frames.Frame f) {
    try {
      if (f.type() == Frames.CH_PUT) {
        ChannelMessages.Item put = ChannelMessages.Item.decode(f.payload());
        ParentChannel<?> ch = channels.get(put.channel());
        boolean ok = ch != null && ch.putBytes(put.item());
        ChannelMessages.writePutReply(w.frames(), f.id(), ok);
      } else if (f.type() == Frames.CH_TAKE) {
        ChannelMessages.Take take = ChannelMessages.Take.decode(f.payload());
        ParentChannel<?> ch = channels.get(take.channel());
        byte[] item = ch == null ? null : ch.takeBytes(take.waitNanos());
        if (item == null) {
          ChannelMessages.writeClosed(w.frames(), f.id());
          return;
        }
        try {
          ChannelMessages.writeItem(w.frames(), f.id(), new ChannelMessages.Item(take.channel(), item));
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

  /** Closes every channel: waiting puts and takes end. */
  void closeAll() {
    channels.values().forEach(ParentChannel::close);
  }

  /** Joins the threads serving requests (each ends once its channel is closed or its worker gone). */
  void joinAll() {
    for (Thread t : List.copyOf(handlers.keySet())) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
