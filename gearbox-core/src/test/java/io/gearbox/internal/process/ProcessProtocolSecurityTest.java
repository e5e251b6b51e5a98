package io.gearbox.internal.process;

import static io.gearbox.ProcessTests.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gearboxtest.hostile.Gadget;
import gearboxtest.hostile.HostileException;
import io.gearbox.Delays;
import io.gearbox.Harness;
import io.gearbox.ProcessPool;
import io.gearbox.ProcessPoolStats;
import io.gearbox.ProcessTaskHandle;
import io.gearbox.ProcessTests;
import io.gearbox.RemoteTaskException;
import io.gearbox.TaskNotSerializableException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.lang.reflect.Field;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process pool's channel and its guards (A10 T16, T21-T26; promises P3, P14, P15, P16): the
 * socket's directory, the secret kept off command lines, clients and pools that cannot prove the
 * secret, the allow-list in both directions, graph limits, and user output that must not corrupt
 * the protocol. Frames are written by hand here, as docs/protocol.md describes them:
 * {@code int length | byte type | long id | payload}, the length counting type, id and payload.
 */
class ProcessProtocolSecurityTest {

  @RegisterExtension final Harness h = new Harness();

  @TempDir Path tmp;

  // frame types and constants of the protocol (docs/protocol.md)
  private static final byte CHALLENGE = 1;
  private static final byte HELLO = 2;
  private static final byte WELCOME = 3;
  private static final int MAGIC = 0x47425831;
  private static final int VERSION = 1;

  private ProcessPool pool(int workers) {
    return ProcessTests.pool(h, workers, b -> b);
  }

  private static ProcessPoolEngine engine(ProcessPool p) {
    return (ProcessPoolEngine) p;
  }

  /** The pool's secret, read reflectively: only to prove it appears nowhere it should not. */
  private static String secretOf(ProcessPool p) throws ReflectiveOperationException {
    Field workers = ProcessPoolEngine.class.getDeclaredField("workers");
    workers.setAccessible(true);
    Object set = workers.get(p);
    Field secret = set.getClass().getDeclaredField("secret");
    secret.setAccessible(true);
    return (String) secret.get(set);
  }

  // ---------------------------------------------------------------- the socket (T25, T26)

  @Test
  void socketDirectory_isPrivateToTheUserAndRemovedOnClose() throws Exception {
    Path dir;
    try (ProcessPool p = pool(1)) {
      dir = engine(p).socketDirectory();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
          .isEqualTo("rwx------");
      assertThat(Files.getOwner(dir).getName()).isEqualTo(System.getProperty("user.name"));
      Path socket = dir.resolve("pool.sock");
      assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();
      assertThat(Files.isRegularFile(socket)).as("a socket, not a file").isFalse();
      assertThat(p.invoke(() -> 1)).isEqualTo(1);
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void commandLine_ofEveryWorker_doesNotContainTheSecret() throws Exception {
    try (ProcessPool p = pool(2)) {
      String secret = secretOf(p);
      assertThat(secret).hasSizeGreaterThanOrEqualTo(32);
      for (long pid : p.workerPids()) {
        ProcessHandle.Info info = ProcessHandle.of(pid).orElseThrow().info();
        assertThat(info.commandLine()).as("a worker's command line is readable")
            .hasValueSatisfying(c -> assertThat(c).contains(WorkerMain.class.getName()));
        assertThat(info.commandLine().orElseThrow()).doesNotContain(secret);
        assertThat(info.arguments().orElseThrow()).noneMatch(a -> a.contains(secret));
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
        assertThat(cmdline).contains(WorkerMain.class.getName()).doesNotContain(secret);
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.ISO_8859_1);
        assertThat(environ).doesNotContain(secret);
      }
    }
  }

  // ---------------------------------------------------------------- unauthenticated peers (T23, T24)

  @Test
  void rawClient_withoutTheSecret_isRefusedAndRunsNothing() throws Exception {
    try (ProcessPool p = pool(1)) {
      Path socket = engine(p).socketDirectory().resolve("pool.sock");
      List<Long> pids = p.workerPids();
      long spawned = p.processStats().spawned();

      // not the protocol at all
      assertThat(refusedAfter(socket, (nonce, out) -> out.write(
          "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII))))
          .isTrue();
      // a 2 GB length prefix before authentication: refused before anything is allocated
      assertThat(refusedAfter(socket, (nonce, out) -> out.writeInt(Integer.MAX_VALUE))).isTrue();
      // a well-formed HELLO for the pool's worker 1, with a MAC made without the secret
      assertThat(refusedAfter(socket, (nonce, out) -> {
        byte[] payload = hello(ProcessHandle.current().pid(), 1, randomBytes(32),
            hmac(randomBytes(32), "worker", nonce, 1, ProcessHandle.current().pid()));
        writeFrame(out, HELLO, 0, payload);
      })).isTrue();

      Harness.eventually().until(() -> p.processStats().rejectedConnections() == 3);
      ProcessPoolStats stats = p.processStats();
      assertThat(stats.live()).isEqualTo(1);
      assertThat(stats.spawned()).isEqualTo(spawned);
      assertThat(p.workerPids()).isEqualTo(pids);
      assertThat(p.stats().submitted()).as("nothing ran").isZero();
      ProcessTaskHandle<Long> t = p.submit(() -> ProcessHandle.current().pid());
      assertThat(t.join()).isEqualTo(pids.getFirst());
    }
  }

  @Test
  void rawClient_silentAfterTheChallenge_isCutOffByClose() throws Exception {
    ProcessPool p = pool(1);
    Path socket = engine(p).socketDirectory().resolve("pool.sock");
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      DataInputStream in = new DataInputStream(Channels.newInputStream(c));
      int length = in.readInt();
      in.readNBytes(length); // the challenge; the client never answers

      p.close();

      c.configureBlocking(false);
      assertThat(c.read(ByteBuffer.allocate(1))).as("the pool has closed its end").isEqualTo(-1);
    }
    Harness.eventually().until(() -> p.processStats().rejectedConnections() == 1);
  }

  /**
   * Clients that connect and hang up at once, before, during or after the pool's CHALLENGE (whose
   * write then fails): each is one rejected connection, and the acceptor lives on: a worker killed
   * afterwards is replaced (its replacement connects through the same acceptor) and runs the next
   * task.
   */
  @Test
  void rawClientsHangingUpBeforeTheChallenge_areRejected_andTheAcceptorLivesOn() throws Exception {
    try (ProcessPool p = pool(1)) {
      Path socket = engine(p).socketDirectory().resolve("pool.sock");
      long before = p.processStats().rejectedConnections();
      int clients = 40; // more than MAX_UNAUTHENTICATED: evictions happen too
      for (int i = 0; i < clients; i++) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
          c.connect(UnixDomainSocketAddress.of(socket));
        } // closed at once: before, during or after the pool's CHALLENGE
      }
      Harness.eventually().until(() -> p.processStats().rejectedConnections() - before == clients);

      long old = p.workerPids().getFirst();
      ProcessTests.sigkill(old);
      Harness.eventually().atMost(ProcessTests.STARTUP).until(() -> p.processStats().live() == 1
          && !p.workerPids().contains(old));
      assertThat(p.submit(() -> ProcessHandle.current().pid()).join()).isNotEqualTo(old);
      assertThat(p.processStats().rejectedConnections() - before).isEqualTo(clients);
    }
  }

  /** What a hand-made client sends once it has read the pool's challenge. */
  @FunctionalInterface
  private interface ClientMove {
    void send(byte[] nonce, DataOutputStream out) throws IOException;
  }

  /**
   * Connects to the pool's socket, reads its CHALLENGE, makes the move, and reports whether the
   * pool then closed the connection without sending anything more.
   */
  private static boolean refusedAfter(Path socket, ClientMove move) throws Exception {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      // a pool that never answers must not wedge the test
      CompletableFuture<Void> guard = CompletableFuture.runAsync(() -> { },
          CompletableFuture.delayedExecutor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
          .thenRun(() -> {
            try {
              c.close();
            } catch (IOException ignored) {
              // closing
            }
          });
      try {
        DataInputStream in = new DataInputStream(Channels.newInputStream(c));
        int length = in.readInt();
        byte type = in.readByte();
        in.readLong();
        byte[] nonce = in.readNBytes(length - 9);
        assertThat(type).as("the pool speaks first, with a challenge").isEqualTo(CHALLENGE);
        assertThat(nonce).hasSize(32);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        move.send(nonce, new DataOutputStream(bytes));
        c.write(ByteBuffer.wrap(bytes.toByteArray()));
        try {
          return in.read() == -1;
        } catch (IOException closed) {
          return true;
        }
      } finally {
        guard.cancel(false);
      }
    }
  }

  @Test
  void worker_poolThatCannotProveTheSecret_isRefusedAndTheWorkerExits() throws Exception {
    Path socket = tmp.resolve("fake.sock");
    byte[] secret = randomBytes(32);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
          socket.toString(), "1", "fake-pool").redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      try {
        // stdin: the secret, then the worker's pid (docs/protocol.md)
        worker.getOutputStream().write((HexFormat.of().formatHex(secret) + "\n" + worker.pid() + "\n")
            .getBytes(StandardCharsets.US_ASCII));
        worker.getOutputStream().flush();
        try (SocketChannel c = server.accept()) {
          DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
          DataInputStream in = new DataInputStream(Channels.newInputStream(c));
          byte[] nonce = randomBytes(32);
          writeFrame(out, CHALLENGE, 0, nonce);

          in.readInt();
          assertThat(in.readByte()).isEqualTo(HELLO);
          in.readLong();
          assertThat(in.readInt()).isEqualTo(MAGIC);
          assertThat(in.readInt()).isEqualTo(VERSION);
          long pid = in.readLong();
          int id = in.readInt();
          in.readNBytes(32); // the worker's nonce
          byte[] mac = in.readNBytes(32);
          assertThat(pid).isEqualTo(worker.pid());
          assertThat(mac).as("the worker proves it holds the secret")
              .isEqualTo(hmac(secret, "worker", nonce, id, pid));

          // the pool's side of the proof, forged
          writeFrame(out, WELCOME, 0, randomBytes(32));
          try {
            assertThat(in.read()).as("the worker sends nothing more").isEqualTo(-1);
          } catch (IOException closed) {
            // closed by the worker's exit
          }
        }
        assertThat(worker.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(3);
        assertThat(new String(worker.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
            .contains("the pool failed to authenticate itself");
      } finally {
        worker.destroyForcibly();
        worker.waitFor();
      }
    }
  }

  private static byte[] hello(long pid, int workerId, byte[] nonce, byte[] mac) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(bytes);
    d.writeInt(MAGIC);
    d.writeInt(VERSION);
    d.writeLong(pid);
    d.writeInt(workerId);
    d.write(nonce);
    d.write(mac);
    return bytes.toByteArray();
  }

  private static void writeFrame(DataOutputStream out, byte type, long id, byte[] payload)
      throws IOException {
    out.writeInt(1 + 8 + payload.length);
    out.writeByte(type);
    out.writeLong(id);
    out.write(payload);
    out.flush();
  }

  /** HMAC-SHA256(secret, role | nonce | workerId | pid), as docs/protocol.md defines it. */
  private static byte[] hmac(byte[] secret, String role, byte[] nonce, int workerId, long pid) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(role.getBytes(StandardCharsets.US_ASCII));
      mac.update(nonce);
      mac.update(ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
      return mac.doFinal();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- the allow-list (T21, T22)

  @Test
  void allowList_unexpectedClassInEitherDirection_isRefusedBeforeItsCodeRuns() {
    try (ProcessPool p = pool(1)) {
      long pid = p.workerPids().getFirst();

      // caller to worker: Gadget.readObject would halt the worker with exit code 66; a task
      // holding a class a worker refuses fails at submit, before any worker sees it
      Gadget gadget = new Gadget("in a task");
      assertThatThrownBy(() -> p.submit(() -> gadget.payload))
          .isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining(Gadget.class.getName()).hasMessageContaining("allow-list refuses");
      Map<String, Object> map = new HashMap<>();
      map.put("innocent", 1);
      map.put("hidden", new Gadget("in a map"));
      assertThatThrownBy(() -> p.submit(() -> map.size()))
          .isInstanceOf(TaskNotSerializableException.class)
          .hasMessageContaining(Gadget.class.getName());

      // worker to caller: Gadget.readObject would count itself in the caller
      int readsBefore = Gadget.READ_IN_CALLER.get();
      Throwable inResult = failure(p.submit(() -> List.of("fine", new Gadget("in a result"))));
      assertThat(inResult).isInstanceOf(InvalidClassException.class)
          .hasMessageContaining(Gadget.class.getName()).hasMessageContaining("refused by the allow-list");
      assertThat(Gadget.READ_IN_CALLER.get()).isEqualTo(readsBefore);

      // an exception of an unexpected class comes back as RemoteTaskException, by name
      Throwable remote = failure(p.submit(() -> {
        throw new HostileException("from the worker");
      }));
      assertThat(remote).isInstanceOf(RemoteTaskException.class)
          .hasMessageContaining("from the worker");
      assertThat(((RemoteTaskException) remote).remoteClassName())
          .isEqualTo(HostileException.class.getName());

      // graph limits: nesting deeper than the filter's maximum depth
      List<Object> deep = new ArrayList<>();
      List<Object> inner = deep;
      for (int i = 0; i < 300; i++) {
        List<Object> next = new ArrayList<>();
        inner.add(next);
        inner = next;
      }
      Throwable tooDeep = failure(p.submit(() -> deep.size()));
      assertThat(tooDeep).isInstanceOf(InvalidClassException.class).hasMessageContaining("graph limits");

      assertThat(p.workerPids()).as("no refusal cost the worker").containsExactly(pid);
      assertThat(p.processStats().crashed()).isZero();
      assertThat(p.invoke(() -> "still fine")).isEqualTo("still fine");
    }
    // the control: once its package is allowed, the same exception comes back as itself
    try (ProcessPool p = ProcessTests.pool(h, 1, b -> b.allowPackages("gearboxtest.hostile"))) {
      Throwable own = failure(p.submit(() -> {
        throw new HostileException("allowed now");
      }));
      assertThat(own).isInstanceOf(HostileException.class).hasMessage("allowed now");
    }
  }

  // ---------------------------------------------------------------- user output (T16)

  @Test
  void output_randomBytesOnStdoutAndTheRawFileDescriptors_doNotBreakTheProtocol() throws Exception {
    try (ProcessPool p = pool(1)) {
      long pid = p.workerPids().getFirst();
      ProcessTaskHandle<Integer> noisy = p.submit(() -> {
        byte[] junk = new byte[64 * 1024];
        new Random(42).nextBytes(junk);
        System.out.write(junk);
        System.out.flush();
        System.err.write(junk);
        // never closed: closing would close the descriptor itself
        FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
        fd1.write(junk);
        fd1.flush();
        FileOutputStream fd2 = new FileOutputStream(FileDescriptor.err);
        fd2.write(junk);
        fd2.flush();
        return 1;
      });
      assertThat(noisy.join()).isEqualTo(1);
      assertThat(noisy.output().stdout()).isNotEmpty();
      assertThat(noisy.output().stderr()).isNotEmpty();

      // a SIGQUIT thread dump goes to the worker's stdout too
      Process quit = new ProcessBuilder("kill", "-QUIT", Long.toString(pid))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertThat(quit.waitFor()).isZero();

      for (int i = 0; i < 20; i++) {
        int n = i;
        assertThat(p.invoke(() -> n * n)).isEqualTo(i * i);
      }
      assertThat(p.map((Integer x) -> x + 1, IntStream.range(0, 1000).boxed().toList()).toList())
          .hasSize(1000).startsWith(1, 2, 3);
      assertThat(p.workerPids()).containsExactly(pid);
      assertThat(p.processStats().crashed()).isZero();
    }
  }
}
