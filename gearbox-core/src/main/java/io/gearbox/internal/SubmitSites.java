package io.gearbox.internal;

import io.gearbox.Gearbox;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Objects;

/**
 * Captures where a task was submitted. A bounded {@link StackWalker} walk that skips Gearbox's own
 * frames; frames are turned into {@link StackTraceElement}s only if the task fails.
 *
 * <p>"Gearbox's own" means classes of the packages {@code io.gearbox} and {@code
 * io.gearbox.internal} <em>loaded from the library itself</em> (same code source as this class).
 * A package-name test alone also skipped any other class declared in package {@code io.gearbox}
 * on the class path, such as the library's own tests, whose frames then vanished from the site.
 */
final class SubmitSites {

  private static final StackWalker WALKER =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
  private static final String API_PACKAGE = "io.gearbox";
  private static final String INTERNAL_PACKAGE = "io.gearbox.internal";
  private static final URL LIBRARY = location(SubmitSites.class);

  private static final ClassValue<Boolean> CORE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      String pkg = type.getPackageName();
      return (pkg.equals(API_PACKAGE) || pkg.equals(INTERNAL_PACKAGE))
          && Objects.equals(location(type), LIBRARY);
    }
  };

  private SubmitSites() {}

  /** The caller's frames below Gearbox's own, at most {@link Gearbox#SUBMIT_SITE_FRAMES}. */
  static List<StackWalker.StackFrame> capture() {
    return WALKER.walk(
        frames -> frames
            .dropWhile(f -> isGearboxCore(f.getDeclaringClass()))
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

  /** Classes of the core library itself: its API and internal packages, from its own code source. */
  static boolean isGearboxCore(Class<?> type) {
    return CORE.get(type);
  }

  private static URL location(Class<?> type) {
    ProtectionDomain domain = type.getProtectionDomain();
    CodeSource source = domain == null ? null : domain.getCodeSource();
    return source == null ? null : source.getLocation();
  }
}
