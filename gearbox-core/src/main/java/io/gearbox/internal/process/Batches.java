package io.gearbox.internal.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The batches of one map call: an {@link Iterable} of {@link RemoteCall}s that the driver pool's
 * {@code map} consumes, made lazily on the consuming thread (where items are encoded, so a bad
 * item fails the stream at once), and the function the driver pool applies to each
 * ({@link #run}).
 *
 * <p>Sizing: a {@link BatchTuner} sizes each batch from the measured time per item against the
 * measured round-trip cost, starting at one item. A batch whose items take over a quarter of the
 * frame cap is halved until it fits (the rest waits for the next batch), and a batch whose reply
 * took over a quarter caps the batches after it. For {@link Frames#OUTCOME_BATCH} the size of each
 * batch is queued in {@link #sizes}, in order, for the facade to spread a batch's failure over its
 * items.
 *
 * @param <T> the item type
 */
final class Batches<T> implements Iterable<RemoteCall<List<Object>>> {

  /** The item count of each batch made, in order (outcome batches only). */
  final ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
  private final Calls calls;
  private final RemoteCall.Driver driver;
  private final Iterable<? extends T> inputs;
  private final byte[] fnBytes;
  private final String pkg;
  private final byte kind;
  private final int maxFrameBytes;
  private final BatchTuner tuner;

  /**
   * @param kind {@link Frames#APPLY_BATCH} or {@link Frames#OUTCOME_BATCH}
   * @param fixed whether every batch holds one item (a per-item deadline)
   */
  Batches(Calls calls, RemoteCall.Driver driver, Iterable<? extends T> inputs, byte[] fnBytes,
      String pkg, byte kind, boolean fixed, int maxFrameBytes) {
    this.calls = calls;
    this.driver = driver;
    this.inputs = inputs;
    this.fnBytes = fnBytes;
    this.pkg = pkg;
    this.kind = kind;
    this.maxFrameBytes = maxFrameBytes;
    this.tuner = new BatchTuner(fixed);
  }

  @Override
  public Iterator<RemoteCall<List<Object>>> iterator() {
    Iterator<? extends T> it = inputs.iterator();
    ArrayDeque<Object> carry = new ArrayDeque<>(); // split off a batch
    int byteBudget = maxFrameBytes / 4;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !carry.isEmpty() || it.hasNext();
      }

      @Override
      public RemoteCall<List<Object>> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int want = tuner.size();
        ArrayList<Object> chunk = new ArrayList<>(Math.min(want, 1024));
        while (chunk.size() < want && !carry.isEmpty()) {
          chunk.add(carry.pollFirst());
        }
        while (chunk.size() < want && it.hasNext()) {
          chunk.add(it.next());
        }
        byte[] items = calls.items(chunk);
        // Big items: halve the batch until it fits a quarter of the frame cap; the rest waits
        while (items.length > byteBudget && chunk.size() > 1) {
          int keep = chunk.size() / 2;
          List<Object> rest = chunk.subList(keep, chunk.size());
          for (int i = rest.size() - 1; i >= 0; i--) {
            carry.addFirst(rest.get(i));
          }
          rest.clear();
          tuner.limit(keep);
          items = calls.items(chunk);
        }
        if (kind == Frames.OUTCOME_BATCH) { // read back by mapOutcomes only
          sizes.add(chunk.size());
        }
        return calls.batch(kind, pkg, fnBytes, items, chunk.size());
      }
    };
  }

  /** Runs one batch on a driver thread, and feeds its timings to the tuner. */
  List<Object> run(RemoteCall<List<Object>> call) {
    long t0 = System.nanoTime();
    try {
      List<Object> out = driver.execute(call);
      tuner.observe(call.itemCount, call.workerWallNanos, System.nanoTime() - t0);
      if (call.replyBytes > maxFrameBytes / 4) {
        tuner.limit(Math.max(1, call.itemCount / 2)); // big results: smaller batches
      }
      return out;
    } catch (Exception e) {
      throw RemoteCall.<RuntimeException>sneaky(e);
    }
  }
}
