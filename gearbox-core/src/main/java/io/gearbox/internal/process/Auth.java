package io.gearbox.internal.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Mutual challenge-response authentication with a per-pool secret (docs/protocol.md). Each side
 * proves it knows the secret by an HMAC-SHA256 over the other side's fresh nonce, a role label
 * and the worker's identity, so neither a recorded reply nor a reflected one is accepted.
 *
 * <p>Every primitive is the JDK's: {@link MessageDigest} for SHA-256, {@link SecureRandom} for
 * secrets and nonces, {@link MessageDigest#isEqual} for the constant-time comparison. HMAC itself
 * is RFC 2104's two nested hashes over that digest rather than {@code javax.crypto.Mac}: the first
 * use of any JCE class initializes {@code JceSecurity}, whose {@code new URL("http://..")} looks
 * for URL-handler providers with a {@code ServiceLoader} over the system class loader and so
 * opens every jar of the class path (~65 ms of a worker's start with the CLI's 60 jars, and not
 * saved by the AOT cache). {@code WorkerAuthTest} checks this HMAC against RFC 4231's vectors and
 * against {@code Mac} itself; {@code WorkerStartClassesTest} that a worker's start loads no JCE.
 */
final class Auth {

  static final int NONCE_BYTES = 32;

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

  /** SHA-256's block size in bytes: HMAC pads its key to one block. */
  private static final int BLOCK_BYTES = 64;

  /**
   * HMAC-SHA256 (RFC 2104) of the concatenated parts: {@code H((K ^ opad) | H((K ^ ipad) |
   * parts))}, where K is the key (hashed first when longer than a block) padded with zeros to one
   * block.
   */
  static byte[] hmacSha256(byte[] key, byte[]... parts) {
    MessageDigest sha256 = sha256();
    byte[] block = new byte[BLOCK_BYTES];
    byte[] k = key.length > BLOCK_BYTES ? sha256.digest(key) : key;
    System.arraycopy(k, 0, block, 0, k.length);
    for (int i = 0; i < BLOCK_BYTES; i++) {
      block[i] ^= 0x36; // ipad
    }
    sha256.update(block);
    for (byte[] p : parts) {
      sha256.update(p);
    }
    byte[] inner = sha256.digest(); // digest() also resets it for the outer hash
    for (int i = 0; i < BLOCK_BYTES; i++) {
      block[i] ^= 0x36 ^ 0x5c; // ipad off, opad on
    }
    sha256.update(block);
    return sha256.digest(inner);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // every Java SE runtime has SHA-256
      throw new IllegalStateException("SHA-256 is not available: " + e, e);
    }
  }

  /** Constant-time comparison of two proofs. */
  static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
