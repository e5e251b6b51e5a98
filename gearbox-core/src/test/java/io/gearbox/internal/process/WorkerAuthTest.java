package io.gearbox.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.Harness;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker handshake's proofs: HMAC-SHA256 gives RFC 4231's test vectors, a proof covers every
 * part of the message it is made of, and a proof made with another key, role, nonce or worker is
 * rejected. (Real processes that cannot prove the secret: ProcessProtocolSecurityTest.)
 */
class WorkerAuthTest {

  @RegisterExtension final Harness h = new Harness();

  private static final HexFormat HEX = HexFormat.of();

  private static byte[] hex(String s) {
    return HEX.parseHex(s);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] repeat(int b, int n) {
    byte[] out = new byte[n];
    java.util.Arrays.fill(out, (byte) b);
    return out;
  }

  /** RFC 4231 section 4: test cases 1, 2, 3, 4, 6 and 7 (case 5 tests truncated output). */
  @Test
  void hmacSha256_rfc4231TestVectors() {
    assertThat(HEX.formatHex(Auth.hmacSha256(repeat(0x0b, 20), ascii("Hi There"))))
        .isEqualTo("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assertThat(HEX.formatHex(Auth.hmacSha256(ascii("Jefe"), ascii("what do ya want for nothing?"))))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(HEX.formatHex(Auth.hmacSha256(repeat(0xaa, 20), repeat(0xdd, 50))))
        .isEqualTo("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    assertThat(HEX.formatHex(Auth.hmacSha256(hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
        repeat(0xcd, 50))))
        .isEqualTo("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    assertThat(HEX.formatHex(Auth.hmacSha256(repeat(0xaa, 131),
        ascii("Test Using Larger Than Block-Size Key - Hash Key First"))))
        .isEqualTo("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    assertThat(HEX.formatHex(Auth.hmacSha256(repeat(0xaa, 131),
        ascii("This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm."))))
        .isEqualTo("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }

  /** Against the JDK's own {@link Mac}: keys of every length around one block, split messages. */
  @Test
  void hmacSha256_agreesWithTheJdksMac() throws Exception {
    Random random = new Random(5);
    for (int keyLength = 0; keyLength <= 140; keyLength++) {
      byte[] key = new byte[keyLength];
      random.nextBytes(key);
      byte[] first = new byte[random.nextInt(200)];
      byte[] second = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(100)];
      random.nextBytes(first);
      random.nextBytes(second);
      Mac mac = Mac.getInstance("HmacSHA256");
      // the JCE refuses an empty key; HMAC pads it like any short key
      mac.init(keyLength == 0 ? emptyKey() : new SecretKeySpec(key, "HmacSHA256"));
      mac.update(first);
      mac.update(second);
      assertThat(Auth.hmacSha256(key, first, second)).as("key of %d bytes", keyLength)
          .isEqualTo(mac.doFinal());
    }
  }

  /** A zero-length key for {@link Mac#init}, which SecretKeySpec does not allow. */
  private static SecretKey emptyKey() {
    return new SecretKey() {
      @Override
      public String getAlgorithm() {
        return "HmacSHA256";
      }

      @Override
      public String getFormat() {
        return "RAW";
      }

      @Override
      public byte[] getEncoded() {
        return new byte[0];
      }
    };
  }

  @Test
  void hmacSha256_partsAreConcatenated() {
    byte[] key = repeat(0x0b, 20);
    assertThat(Auth.hmacSha256(key, ascii("Hi "), ascii(""), ascii("There")))
        .isEqualTo(Auth.hmacSha256(key, ascii("Hi There")));
  }

  @Test
  void mac_isTheHmacOfRoleNonceWorkerAndPid() {
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      byte[] key = new byte[i % 3 == 0 ? 100 : 32]; // longer than a block is hashed first
      random.nextBytes(key);
      byte[] nonce = new byte[32];
      random.nextBytes(nonce);
      int workerId = random.nextInt(1000);
      long pid = random.nextLong();
      assertThat(Auth.mac(HEX.formatHex(key), "worker", nonce, workerId, pid)).isEqualTo(
          Auth.hmacSha256(key, ascii("worker"), nonce,
              ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array()));
    }
  }

  @Test
  void proofMadeWithAnythingElse_isRejected() {
    Random random = new Random(11);
    byte[] key = new byte[32];
    random.nextBytes(key);
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    String secret = HEX.formatHex(key);
    byte[] proof = Auth.mac(secret, "worker", nonce, 3, 4242);
    assertThat(Auth.same(proof, Auth.mac(secret, "worker", nonce, 3, 4242))).isTrue();

    byte[] otherKey = key.clone();
    otherKey[31] ^= 1;
    byte[] otherNonce = nonce.clone();
    otherNonce[0] ^= (byte) 0x80;
    assertThat(Auth.same(proof, Auth.mac(HEX.formatHex(otherKey), "worker", nonce, 3, 4242)))
        .as("a key one bit off").isFalse();
    assertThat(Auth.same(proof, Auth.mac(secret, "parent", nonce, 3, 4242)))
        .as("the other role: a reflected proof").isFalse();
    assertThat(Auth.same(proof, Auth.mac(secret, "worker", otherNonce, 3, 4242)))
        .as("another nonce: a replayed proof").isFalse();
    assertThat(Auth.same(proof, Auth.mac(secret, "worker", nonce, 4, 4242))).as("another worker").isFalse();
    assertThat(Auth.same(proof, Auth.mac(secret, "worker", nonce, 3, 4243))).as("another pid").isFalse();
    assertThat(Auth.same(proof, java.util.Arrays.copyOf(proof, 31))).as("a truncated proof").isFalse();
  }
}
