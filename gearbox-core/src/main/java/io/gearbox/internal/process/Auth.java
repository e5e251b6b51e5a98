package io.gearbox.internal.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
   * HMAC-SHA256(secret, role | nonce | workerId | pid), per RFC 2104, over {@link #sha256}: the
   * same bytes as {@code Mac.getInstance("HmacSHA256")} (tested against it), without the security
   * provider framework, whose first use costs a worker ~45 ms of its start-up (measured here).
   */
  public static byte[] mac(String secretHex, String role, byte[] nonce, int workerId, long pid) {
    byte[] key = HexFormat.of().parseHex(secretHex);
    if (key.length > 64) {
      key = sha256(key);
    }
    byte[] ipad = new byte[64];
    byte[] opad = new byte[64];
    for (int i = 0; i < 64; i++) {
      byte k = i < key.length ? key[i] : 0;
      ipad[i] = (byte) (k ^ 0x36);
      opad[i] = (byte) (k ^ 0x5c);
    }
    byte[] inner = sha256(ipad, role.getBytes(StandardCharsets.US_ASCII), nonce,
        ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
    return sha256(opad, inner);
  }

  private static final int[] K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  };

  /** SHA-256 (FIPS 180-4) of the concatenated parts; checked against MessageDigest in the tests. */
  public static byte[] sha256(byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    int padded = ((length + 8) / 64 + 1) * 64;
    ByteBuffer m = ByteBuffer.allocate(padded);
    for (byte[] p : parts) {
      m.put(p);
    }
    m.put((byte) 0x80);
    m.putLong(padded - 8, (long) length * 8);
    int[] h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    int[] w = new int[64];
    for (int block = 0; block < padded; block += 64) {
      for (int t = 0; t < 16; t++) {
        w[t] = m.getInt(block + 4 * t);
      }
      for (int t = 16; t < 64; t++) {
        int s0 = Integer.rotateRight(w[t - 15], 7) ^ Integer.rotateRight(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        int s1 = Integer.rotateRight(w[t - 2], 17) ^ Integer.rotateRight(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      int a = h[0];
      int b = h[1];
      int c = h[2];
      int d = h[3];
      int e = h[4];
      int f = h[5];
      int g = h[6];
      int hh = h[7];
      for (int t = 0; t < 64; t++) {
        int t1 = hh + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
            + ((e & f) ^ (~e & g)) + K[t] + w[t];
        int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
            + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
      }
      h[0] += a;
      h[1] += b;
      h[2] += c;
      h[3] += d;
      h[4] += e;
      h[5] += f;
      h[6] += g;
      h[7] += hh;
    }
    ByteBuffer out = ByteBuffer.allocate(32);
    for (int v : h) {
      out.putInt(v);
    }
    return out.array();
  }

  /** Constant-time comparison. */
  static boolean same(byte[] a, byte[] b) {
    if (a.length != b.length) {
      return false;
    }
    int diff = 0;
    for (int i = 0; i < a.length; i++) {
      diff |= a[i] ^ b[i];
    }
    return diff == 0;
  }
}
