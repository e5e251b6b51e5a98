package io.gearbox.internal.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual challenge-response authentication with a per-pool secret (docs/protocol.md). Each side
 * proves it knows the secret by an HMAC-SHA256 over the other side's fresh nonce, a role label
 * and the worker's identity, so neither a recorded reply nor a reflected one is accepted.
 *
 * <p>Every primitive is the JDK's: {@link Mac} for HMAC-SHA256, {@link SecureRandom} for secrets
 * and nonces, {@link MessageDigest#isEqual} for the constant-time comparison. Loading the JCE
 * provider classes costs a cold worker tens of milliseconds of its start-up; the workers' AOT
 * cache ({@link WorkerAotCache}) has them loaded and linked already.
 */
final class Auth {

  static final int NONCE_BYTES = 32;
  static final String ALGORITHM = "HmacSHA256";

  private static final class Holder {
    /**
     * Reads {@code /dev/urandom} where there is one, which is what the worker's Unix-domain
     * socket classes load anyway; the platform's default elsewhere.
     */
    static final SecureRandom RANDOM = random();

    private static SecureRandom random() {
      try {
        return SecureRandom.getInstance("NativePRNGNonBlocking");
      } catch (NoSuchAlgorithmException e) {
        return new SecureRandom();
      }
    }
  }

  private Auth() {}

  /** A new random secret, as hex (it travels over the worker's stdin, never its command line). */
  static String newSecret() {
    byte[] b = new byte[32];
    Holder.RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** A fresh random nonce. */
  static byte[] nonce() {
    byte[] b = new byte[NONCE_BYTES];
    Holder.RANDOM.nextBytes(b);
    return b;
  }

  /** HMAC-SHA256(secret, role | nonce | workerId | pid), the proof each side sends. */
  static byte[] mac(String secretHex, String role, byte[] nonce, int workerId, long pid) {
    return hmacSha256(HexFormat.of().parseHex(secretHex), role.getBytes(StandardCharsets.US_ASCII),
        nonce, ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
  }

  /** HMAC-SHA256 (RFC 2104) of the concatenated parts, by the JDK's {@link Mac}. */
  static byte[] hmacSha256(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // every Java SE runtime has HmacSHA256, and any key length is valid for it
      throw new IllegalStateException("HmacSHA256 is not available: " + e, e);
    }
  }

  /** Constant-time comparison of two proofs. */
  static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
