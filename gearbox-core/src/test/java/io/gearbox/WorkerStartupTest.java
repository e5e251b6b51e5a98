package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Serializable;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.net.spi.URLStreamHandlerProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's start-up with real worker JVMs: the JCE start-up it runs on two threads beside the
 * socket's (the first {@code http:} URL, whose handler lookup reads the class path's
 * {@code URLStreamHandlerProvider} services, and the first {@code Mac}) leaves the JVM as a plain
 * start would: a provider on the workers' class path is still found, {@code http:} URLs still get
 * the JDK's handler, and the threads are gone once tasks run.
 */
public class WorkerStartupTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path services;

  /** Answers the protocol {@code gearbox-test} only; found through META-INF/services. */
  public static final class TestUrlProvider extends URLStreamHandlerProvider {
    public TestUrlProvider() {}

    @Override
    public URLStreamHandler createURLStreamHandler(String protocol) {
      if (!protocol.equals("gearbox-test")) {
        return null;
      }
      return new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) {
          return new URLConnection(u) {
            @Override
            public void connect() {}

            @Override
            public InputStream getInputStream() {
              return new ByteArrayInputStream(("provided " + u.getPath())
                  .getBytes(StandardCharsets.UTF_8));
            }
          };
        }
      };
    }
  }

  /** In a worker: what the URL handlers answer, and which start-up threads are still alive. */
  record Probe() implements Callable<List<String>>, Serializable {
    @Override
    public List<String> call() throws Exception {
      String custom;
      try (InputStream in = URI.create("gearbox-test:/hello").toURL().openStream()) {
        custom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      boolean jdkHttp = URI.create("http://127.0.0.1:9/").toURL().openConnection()
          instanceof HttpURLConnection; // not connected: openConnection does no I/O
      long deadline = System.nanoTime() + 10_000_000_000L;
      List<String> startupThreads;
      do { // daemon threads that end right after the handshake's first Mac
        startupThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .filter(n -> n.endsWith("-init") && n.startsWith("gearbox-worker-")).toList();
      } while (!startupThreads.isEmpty() && System.nanoTime() < deadline && sleep());
      return List.of(custom, Boolean.toString(jdkHttp), startupThreads.toString());
    }

    private static boolean sleep() throws InterruptedException {
      Thread.sleep(20);
      return true;
    }
  }

  @Test
  void urlHandlerProviderOnTheClassPath_isFoundByTheWorker_andStartupThreadsEnd() throws Exception {
    Files.createDirectories(services.resolve("META-INF/services"));
    Files.writeString(services.resolve("META-INF/services/" + URLStreamHandlerProvider.class.getName()),
        TestUrlProvider.class.getName() + "\n");
    Path gearbox = Path.of(Gearbox.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path tests = Path.of(WorkerStartupTest.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    try (ProcessPool pool = Gearbox.processBuilder().workers(1).replayOutput(false)
        .classPath(gearbox, tests, services).build()) {
      h.track(pool);
      List<String> seen = pool.submit(new Probe()).join();
      assertThat(seen.get(0)).isEqualTo("provided /hello");
      assertThat(seen.get(1)).isEqualTo("true");
      assertThat(seen.get(2)).isEqualTo("[]");
    }
  }
}
