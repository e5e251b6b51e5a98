package io.gearbox.internal.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Mutual challenge-response authentication with a per-pool secret (docs/protocol.md). Each side
 * proves it knows the secret by an HMAC-SHA256 over the other side's fresh nonce, a role label
 * and the worker's identity, so neither a recorded reply nor a reflected one is accepted.
 */
public final class Auth {

  static final int NONCE_BYTES = 32;
  private static final class Holder {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  private Auth() {}

  /** A new random secret, as hex (it travels over the worker's stdin, never its command line). */
  static String newSecret() {
    byte[] b = new byte[32];
    Holder.RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * A fresh random nonce: from {@code /dev/urandom} where it exists (a worker then needs no
   * SecureRandom provider at start-up), else from SecureRandom.
   */
  static byte[] nonce() {
    byte[] b = new byte[NONCE_BYTES];
    try (java.io.InputStream in = new java.io.FileInputStream("/dev/urandom")) {
      if (in.readNBytes(b, 0, b.length) == b.length) {
        return b;
      }
    } catch (java.io.IOException e) {
      // not Linux or BSD: fall through
    }
    Holder.RANDOM.nextBytes(b);
    return b;
  }

  /**
   * HMAC-SHA256(secret, role | nonce | workerId | pid), per RFC 2104 over {@link MessageDigest}:
   * the same bytes as {@code Mac.getInstance("HmacSHA256")}, without loading the JCE provider,
   * which costs a worker tens of milliseconds of start-up.
   */
  public static byte[] mac(String secretHex, String role, byte[] nonce, int workerId, long pid) {
    try {
      byte[] key = HexFormat.of().parseHex(secretHex);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      if (key.length > 64) {
        key = sha.digest(key);
      }
      byte[] ipad = new byte[64];
      byte[] opad = new byte[64];
      for (int i = 0; i < 64; i++) {
        byte k = i < key.length ? key[i] : 0;
        ipad[i] = (byte) (k ^ 0x36);
        opad[i] = (byte) (k ^ 0x5c);
      }
      sha.update(ipad);
      sha.update(role.getBytes(StandardCharsets.US_ASCII));
      sha.update(nonce);
      sha.update(ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
      byte[] inner = sha.digest();
      sha.update(opad);
      return sha.digest(inner);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Constant-time comparison. */
  static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
