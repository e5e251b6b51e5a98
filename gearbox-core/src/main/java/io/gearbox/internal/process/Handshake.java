package io.gearbox.internal.process;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The handshake's three messages, each defined once with its encode and decode side by side, and
 * the worker's side of the exchange (the pool's side, with its timeout and its table of starting
 * workers, is {@code WorkerSet.handshake}). The protocol is described in {@code docs/protocol.md}:
 *
 * <pre>
 * pool   -> worker : CHALLENGE(Np)
 * worker -> pool   : HELLO(magic, version, pid, id, Nw, MACw = HMAC(secret, "worker" | Np | id | pid))
 * pool   -> worker : WELCOME(MACp = HMAC(secret, "parent" | Nw | id | pid), settings)
 * </pre>
 *
 * <p>The worker's side runs on its start-up path: no lambda, method reference or string
 * concatenation on the success path (each would bootstrap {@code java.lang.invoke} in a cold JVM).
 */
final class Handshake {
  private static final int MAC_BYTES = 32;

  private Handshake() {}

  // ---------------------------------------------------------------- HELLO (worker -> pool)

  /** A decoded HELLO: who the worker says it is, its nonce and its proof of the secret. */
  record Hello(long pid, int workerId, byte[] nonce, byte[] mac) {}

  static byte[] encodeHello(long pid, int workerId, byte[] nonce, byte[] mac) {
    return ByteBuffer.allocate(4 + 4 + 8 + 4 + Auth.NONCE_BYTES + MAC_BYTES)
        .putInt(Frames.MAGIC)
        .putInt(Frames.VERSION)
        .putLong(pid)
        .putInt(workerId)
        .put(nonce)
        .put(mac)
        .array();
  }

  /** Decodes a HELLO frame; throws if it is not one or speaks another protocol version. */
  static Hello decodeHello(Frames.Frame hello) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(hello.payload()));
    if (hello.type() != Frames.HELLO || in.readInt() != Frames.MAGIC) {
      throw new IOException("not a Gearbox worker");
    }
    int version = in.readInt();
    if (version != Frames.VERSION) {
      throw new IOException("protocol version " + version + ", expected " + Frames.VERSION);
    }
    long pid = in.readLong();
    int workerId = in.readInt();
    byte[] nonce = in.readNBytes(Auth.NONCE_BYTES);
    byte[] mac = in.readNBytes(MAC_BYTES);
    return new Hello(pid, workerId, nonce, mac);
  }

  // ---------------------------------------------------------------- WELCOME (pool -> worker)

  /** A decoded WELCOME's settings: what the worker needs to serve this pool. */
  static final class Welcome {
    final int maxFrame;
    final boolean capture;
    /** The codec's class name, or "" for the JDK codec. */
    final String codecClass;
    final List<String> allowPackages;

    Welcome(int maxFrame, boolean capture, String codecClass, List<String> allowPackages) {
      this.maxFrame = maxFrame;
      this.capture = capture;
      this.codecClass = codecClass;
      this.allowPackages = allowPackages;
    }
  }

  /** Encodes a WELCOME's settings, the part that is the same for every worker of a pool. */
  static byte[] encodeWelcomeSettings(int maxFrame, boolean capture, String codecClass,
      List<String> allowPackages) {
    return Frames.payload(d -> {
      d.writeInt(maxFrame);
      d.writeBoolean(capture);
      Frames.writeString(d, codecClass);
      d.writeInt(allowPackages.size());
      for (String p : allowPackages) {
        Frames.writeString(d, p);
      }
    });
  }

  /** Writes WELCOME: the pool's proof of the secret, then the settings. */
  static void writeWelcome(Frames frames, byte[] parentMac, byte[] settings) throws IOException {
    frames.write(Frames.WELCOME, 0, parentMac, settings);
  }

  // ---------------------------------------------------------------- the worker's side

  /** The worker's handshake was refused: the peer is not the pool that started it. */
  static final class Refused extends IOException {
    Refused(String why) {
      super(why);
    }
  }

  /**
   * Runs the worker's side: answers the pool's CHALLENGE with HELLO, checks the pool's proof in
   * WELCOME and returns its settings (with {@code frames} bounded to their maximum frame).
   *
   * @throws Refused if the pool broke the protocol or failed to prove the secret (the worker then
   *     exits without serving)
   * @throws IOException if the connection failed
   */
  static Welcome asWorker(Frames frames, String secret, long pid, int workerId) throws IOException {
    Frames.Frame challenge = frames.read();
    if (challenge.type() != Frames.CHALLENGE || challenge.payload().length != Auth.NONCE_BYTES) {
      throw new Refused("unexpected first frame");
    }
    byte[] myNonce = Auth.nonce();
    frames.write(Frames.HELLO, 0, encodeHello(pid, workerId, myNonce,
        Auth.mac(secret, "worker", challenge.payload(), workerId, pid)));
    frames.maxFrame(1 << 20); // WELCOME carries the allow-list, which may be long; still bounded
    Frames.Frame welcome = frames.read();
    if (welcome.type() != Frames.WELCOME) {
      throw new Refused("handshake refused by the pool");
    }
    DataInputStream w = new DataInputStream(new ByteArrayInputStream(welcome.payload()));
    byte[] parentMac = w.readNBytes(MAC_BYTES);
    if (!Auth.same(parentMac, Auth.mac(secret, "parent", myNonce, workerId, pid))) {
      throw new Refused("the pool failed to authenticate itself");
    }
    int maxFrame = w.readInt();
    boolean capture = w.readBoolean();
    String codecClass = Frames.readString(w);
    int n = w.readInt();
    List<String> packages = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      packages.add(Frames.readString(w));
    }
    frames.maxFrame(maxFrame);
    return new Welcome(maxFrame, capture, codecClass, packages);
  }
}
