package io.gearbox.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An external server for {@code gearbox bench io --server nginx}: the system's nginx (Debian:
 * {@code apt-get install nginx libnginx-mod-http-echo}), started by the bench on 127.0.0.1 on a
 * free port with a configuration written to a temporary directory, and stopped when the bench
 * ends. {@code /delay/MS} answers after MS milliseconds ({@code echo_sleep} of the echo module)
 * with a body of the bench's {@code --bytes}, keep-alive and chunked, as nginx answers by default.
 *
 * <p>It runs in the foreground ({@code daemon off}) as this JVM's child, so closing it (SIGTERM,
 * nginx's fast shutdown, which also ends its workers) or this JVM's exit leaves nothing running.
 *
 * <p>These settings differ from nginx's defaults, all because 10,000 clients connect at once:
 * {@code worker_connections} (default 512, Debian's 768) is raised above the task count, or nginx
 * refuses connections; and the listen backlog (nginx's default 511) is {@code backlog} (the kernel
 * caps it at {@code net.core.somaxconn}). With 511, a burst of 10,000 connects overflows the
 * accept queue and each dropped SYN is retried by the client's kernel after 1 s, which is then
 * the run's time whatever the client (see docs/benchmarks.md). The workers' open-file limit is
 * raised to match ({@code worker_rlimit_nofile}, within the inherited hard limit). Whatever nginx
 * logs while the bench runs ({@link #complaints()}) is printed as a warning.
 */
final class NginxServer implements AutoCloseable {

  /** nginx's own listen backlog on Linux, when the configuration names none. */
  static final int NGINX_DEFAULT_BACKLOG = 511;

  private static final List<String> MODULE_DIRS = List.of(
      "/usr/lib/nginx/modules", "/usr/lib64/nginx/modules", "/usr/share/nginx/modules",
      "/usr/local/nginx/modules", "/etc/nginx/modules");

  private final Process process;
  private final Path dir;
  private final int port;
  private final long latencyMillis;
  private final Thread killer;

  private NginxServer(Process process, Path dir, int port, long latencyMillis) {
    this.process = process;
    this.dir = dir;
    this.port = port;
    this.latencyMillis = latencyMillis;
    // if this JVM exits without closing the bench (Ctrl-C), nginx goes with it
    this.killer = new Thread(() -> {
      stop();
      deleteQuietly(dir);
    }, "gearbox-bench-stop-nginx");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /**
   * Starts nginx on 127.0.0.1 on a free port.
   *
   * @param connections how many connections it must hold open at once
   * @param backlog the listen backlog to ask for
   * @throws WorkloadBench.Unavailable with one line when nginx or its echo module is missing or
   *     it does not start
   */
  static NginxServer start(long latencyMillis, int bodyBytes, int connections, int backlog)
      throws WorkloadBench.Unavailable {
    String nginx = findNginx();
    String module = echoModule(nginx);
    Path dir;
    try {
      dir = Files.createTempDirectory("gearbox-nginx-");
    } catch (IOException e) {
      throw new WorkloadBench.Unavailable("could not create a directory for nginx: " + e.getMessage());
    }
    String lastError = "";
    for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before nginx binds it
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      } catch (IOException e) {
        deleteQuietly(dir);
        throw new WorkloadBench.Unavailable("no free port for nginx: " + e.getMessage());
      }
      Process process = null;
      try {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config(dir, module, port, latencyMillis, bodyBytes, connections,
            backlog, openFilesHardLimit()));
        process = new ProcessBuilder(nginx, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
            "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
        NginxServer server = new NginxServer(process, dir, port, latencyMillis);
        if (server.awaitListening()) {
          return server;
        }
        lastError = server.lastWords();
        server.close(); // also removes dir: made again for the next attempt
        Files.createDirectories(dir);
      } catch (IOException e) {
        if (process != null) {
          process.destroyForcibly();
        }
        lastError = e.getMessage();
      }
    }
    deleteQuietly(dir);
    throw new WorkloadBench.Unavailable("nginx did not start: " + lastError);
  }

  /** The URL the bench fetches: {@code http://127.0.0.1:PORT/delay/MS}. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/delay/" + latencyMillis);
  }

  /**
   * The configuration file's text.
   *
   * @param openFilesHardLimit this process's hard limit on open files (nginx inherits it), or -1
   *     when unknown
   */
  static String config(Path dir, String module, int port, long latencyMillis, int bodyBytes,
      int connections, int backlog, long openFilesHardLimit) {
    String d = dir.toString();
    StringBuilder c = new StringBuilder();
    c.append("# written by gearbox bench io --server nginx\n");
    c.append("daemon off;\n");
    c.append("worker_processes auto;\n");
    c.append("pid ").append(d).append("/nginx.pid;\n");
    c.append("error_log ").append(d).append("/error.log warn;\n");
    if (module != null) {
      c.append("load_module ").append(module).append(";\n");
    }
    c.append("worker_rlimit_nofile ").append(openFilesLimit(connections, openFilesHardLimit))
        .append(";\n");
    // multi_accept stays off (nginx's default): accepting every queued connection at once was
    // measured no faster here (docs/benchmarks.md)
    c.append("events { worker_connections ").append(connections + 512L).append("; }\n");
    c.append("http {\n");
    c.append("  access_log off;\n");
    for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      c.append("  ").append(temp).append("_temp_path ").append(d).append('/').append(temp)
          .append(";\n");
    }
    c.append("  server {\n");
    c.append("    listen 127.0.0.1:").append(port);
    if (backlog != NGINX_DEFAULT_BACKLOG) {
      c.append(" backlog=").append(backlog);
    }
    c.append(";\n");
    c.append("    location = /delay/").append(latencyMillis).append(" {\n");
    c.append("      default_type text/plain;\n");
    if (latencyMillis > 0) {
      c.append(String.format(Locale.ROOT, "      echo_sleep %.3f;%n", latencyMillis / 1000.0));
    }
    if (bodyBytes > 0) {
      c.append("      echo_duplicate ").append(bodyBytes).append(" \"x\";\n");
    }
    c.append("    }\n");
    c.append("  }\n");
    c.append("}\n");
    return c.toString();
  }

  /**
   * The workers' open-file limit: a descriptor per connection with room to spare, but never above
   * the hard limit nginx inherits, which a process without privileges cannot raise: asking for
   * more made each worker log "setrlimit(RLIMIT_NOFILE, 21024) failed" (hard limit 20,000 here)
   * and keep the limit it had.
   */
  static long openFilesLimit(int connections, long hardLimit) {
    long wanted = 2L * connections + 1024;
    return hardLimit > 0 ? Math.min(wanted, hardLimit) : wanted;
  }

  /** The hard limit on open files from /proc/self/limits, or -1 when it cannot be read. */
  static long openFilesHardLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).trim().split("\\s+");
          return f[1].equals("unlimited") ? -1 : Long.parseLong(f[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or a format this does not know: leave the limit as computed
    }
    return -1;
  }

  private boolean awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return true;
      } catch (IOException e) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  /**
   * What nginx wrote to its error log (level warn and above) since it started: empty when it
   * had nothing to complain about. A full run at this load must leave it empty; lines such as
   * "worker_connections are not enough" or "Too many open files" mean the configuration, not the
   * client, limited the run, and the bench prints them as a warning.
   */
  List<String> complaints() {
    try {
      return Files.readAllLines(dir.resolve("error.log"), StandardCharsets.UTF_8).stream()
          .map(String::strip).filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      return List.of(); // nothing logged: nginx creates the file on its first line
    }
  }

  /** The last line nginx logged (its reason for not starting), or its exit code. */
  private String lastWords() {
    for (String log : List.of("error.log", "stdout.log")) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve(log), StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
          if (!lines.get(i).isBlank()) {
            return lines.get(i).strip();
          }
        }
      } catch (IOException e) {
        // try the next one
      }
    }
    return process.isAlive() ? "not listening within 10 s" : "exit code " + process.exitValue();
  }

  private static String findNginx() throws WorkloadBench.Unavailable {
    List<String> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String p : path.split(java.io.File.pathSeparator)) {
        candidates.add(p + "/nginx");
      }
    }
    candidates.add("/usr/sbin/nginx"); // Debian's, not on a normal user's PATH
    for (String c : candidates) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new WorkloadBench.Unavailable("--server nginx needs nginx with the echo module "
        + "(Debian: apt-get install nginx libnginx-mod-http-echo)");
  }

  /** The echo module's file to load, or null when this nginx has it built in. */
  private static String echoModule(String nginx) throws WorkloadBench.Unavailable {
    for (String d : MODULE_DIRS) {
      Path module = Path.of(d, "ngx_http_echo_module.so");
      if (Files.isRegularFile(module)) {
        return module.toString();
      }
    }
    try {
      Process p = new ProcessBuilder(nginx, "-V").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      if (v.contains("echo-nginx-module") || v.contains("http-echo")) {
        return null; // built in
      }
    } catch (IOException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new WorkloadBench.Unavailable("--server nginx needs nginx's echo module for its delay "
        + "(Debian: apt-get install libnginx-mod-http-echo)");
  }

  private void stop() {
    process.destroy(); // SIGTERM: nginx's fast shutdown ends its workers too
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Stops nginx and its workers and removes its directory. */
  @Override
  public void close() {
    List<ProcessHandle> workers = process.descendants().toList();
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs anyway
    }
    for (ProcessHandle w : workers) { // the master reaps them; make sure none outlives it
      try {
        w.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        w.destroyForcibly();
      }
    }
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          // left behind in the temp directory
        }
      });
    } catch (IOException e) {
      // nothing to delete
    }
  }
}
