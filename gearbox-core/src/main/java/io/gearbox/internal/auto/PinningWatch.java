package io.gearbox.internal.auto;

import io.gearbox.CarrierHog;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;

/**
 * Reports {@code jdk.VirtualThreadPinned} JFR events of one auto pool's virtual threads (named
 * {@code gearbox-<pool>-virtual-<n>}) as {@link CarrierHog}s with {@code pinned} set. The JDK
 * emits the event when a virtual thread blocks for longer than its threshold (20 ms here) while
 * it cannot unmount. Delivery is asynchronous (about once a second), so the pinned task has
 * usually finished: the thread's last task is remembered (the last 256 threads) to name it.
 */
final class PinningWatch {

  static final Duration THRESHOLD = Duration.ofMillis(20);
  private static final String EVENT = "jdk.VirtualThreadPinned";

  private final Router router;
  private final String threadPrefix;
  private final RecordingStream stream;
  private final Map<Long, String[]> lastTask = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, String[]> eldest) {
      return size() > 256;
    }
  };

  private PinningWatch(Router router, String threadPrefix) {
    this.router = router;
    this.threadPrefix = threadPrefix;
    this.stream = new RecordingStream();
    stream.enable(EVENT).withThreshold(THRESHOLD).withStackTrace();
    stream.onEvent(EVENT, this::onPinned);
    stream.startAsync();
  }

  static PinningWatch start(Router router, String threadPrefix) {
    return new PinningWatch(router, threadPrefix);
  }

  /** A task finished on a virtual thread: remember it, to name it if a pinning shows up. */
  void finished(Thread thread, String key, String task) {
    synchronized (lastTask) {
      lastTask.put(thread.threadId(), new String[] {key, task});
    }
  }

  private void onPinned(RecordedEvent event) {
    RecordedThread thread = event.getThread();
    if (thread == null || thread.getJavaName() == null
        || !thread.getJavaName().startsWith(threadPrefix)) {
      return;
    }
    String[] task;
    synchronized (lastTask) {
      task = lastTask.getOrDefault(thread.getJavaThreadId(), new String[] {"?", "?"});
    }
    RecordedStackTrace trace = event.getStackTrace();
    List<StackTraceElement> stack = trace == null ? List.of() : trace.getFrames().stream()
        .filter(RecordedFrame::isJavaFrame)
        .limit(16)
        .map(f -> new StackTraceElement(f.getMethod().getType().getName(), f.getMethod().getName(),
            null, f.getLineNumber()))
        .toList();
    Duration held = event.getDuration();
    router.report(new CarrierHog(task[0], task[1], thread.getJavaName(), held, stack, true,
        "virtual thread '" + thread.getJavaName() + "' was pinned to its carrier for "
            + held.toMillis() + " ms (blocked where it could not unmount"
            + (event.hasField("pinnedReason") && event.getString("pinnedReason") != null
                ? ": " + event.getString("pinnedReason") : "")
            + ")"));
  }

  void close() {
    stream.close();
  }
}
