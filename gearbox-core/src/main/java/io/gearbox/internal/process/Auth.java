package io.gearbox.internal.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual challenge-response authentication with a per-pool secret (docs/protocol.md). Each side
 * proves it knows the secret by an HMAC-SHA256 over the other side's fresh nonce, a role label
 * and the worker's identity, so neither a recorded reply nor a reflected one is accepted.
 */
final class Auth {

  static final int NONCE_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Auth() {}

  /** A new random secret, as hex (it travels over the worker's stdin, never its command line). */
  static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static byte[] nonce() {
    byte[] b = new byte[NONCE_BYTES];
    RANDOM.nextBytes(b);
    return b;
  }

  /** HMAC(secret, role | nonce | workerId | pid). */
  static byte[] mac(String secretHex, String role, byte[] nonce, int workerId, long pid) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(HexFormat.of().parseHex(secretHex), "HmacSHA256"));
      mac.update(role.getBytes(StandardCharsets.US_ASCII));
      mac.update(nonce);
      mac.update(ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  /** Constant-time comparison. */
  static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
