package io.gearbox.internal;

import io.gearbox.Gearbox;
import io.gearbox.SubmitSite;
import java.util.List;

/**
 * Captures where a task was submitted. A bounded {@link StackWalker} walk that skips Gearbox's own
 * frames; frames are turned into {@link StackTraceElement}s only if the task fails.
 */
final class SubmitSites {

  private static final StackWalker WALKER = StackWalker.getInstance();
  private static final String API_PACKAGE = "io.gearbox.";
  private static final String INTERNAL_PACKAGE = "io.gearbox.internal.";

  private SubmitSites() {}

  /** The caller's frames below Gearbox's own, at most {@link Gearbox#SUBMIT_SITE_FRAMES}. */
  static List<StackWalker.StackFrame> capture() {
    return WALKER.walk(
        frames -> frames
            .dropWhile(f -> isGearboxCore(f.getClassName()))
            .limit(Gearbox.SUBMIT_SITE_FRAMES)
            .toList());
  }

  /** Builds the throwable shown to waiters, or null if nothing was captured. */
  static SubmitSite toThrowable(List<StackWalker.StackFrame> frames, String message) {
    if (frames == null) {
      return null;
    }
    return new SubmitSite(message, toElements(frames));
  }

  static StackTraceElement[] toElements(List<StackWalker.StackFrame> frames) {
    return frames.stream()
        .map(StackWalker.StackFrame::toStackTraceElement)
        .toArray(StackTraceElement[]::new);
  }

  /** Classes of the core library itself: the API package and the internal packages. */
  static boolean isGearboxCore(String className) {
    if (className.startsWith(INTERNAL_PACKAGE)) {
      return true;
    }
    return className.startsWith(API_PACKAGE) && className.indexOf('.', API_PACKAGE.length()) < 0;
  }
}
