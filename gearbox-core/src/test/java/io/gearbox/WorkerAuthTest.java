package io.gearbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.gearbox.internal.process.Auth;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker handshake's own SHA-256 and HMAC (written to keep the JCE provider framework off a
 * worker's start-up) give the JDK's bytes exactly, on every length around the block boundaries.
 */
class WorkerAuthTest {

  @RegisterExtension final Harness h = new Harness();

  @Test
  void sha256_everyLengthUpTo300Bytes_matchesMessageDigest() throws Exception {
    Random random = new Random(42);
    for (int n = 0; n <= 300; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      int cut = n / 3;
      byte[] first = java.util.Arrays.copyOfRange(data, 0, cut);
      byte[] rest = java.util.Arrays.copyOfRange(data, cut, n);
      assertThat(Auth.sha256(first, rest)).as("length %d", n)
          .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }
  }

  @Test
  void mac_randomSecretsAndNonces_matchesHmacSha256() throws Exception {
    Random random = new Random(7);
    for (int i = 0; i < 50; i++) {
      byte[] key = new byte[i % 3 == 0 ? 100 : 32]; // longer than a block is hashed first
      random.nextBytes(key);
      byte[] nonce = new byte[32];
      random.nextBytes(nonce);
      int workerId = random.nextInt(1000);
      long pid = random.nextLong();
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update("worker".getBytes(StandardCharsets.US_ASCII));
      mac.update(nonce);
      mac.update(ByteBuffer.allocate(12).putInt(workerId).putLong(pid).array());
      assertThat(Auth.mac(HexFormat.of().formatHex(key), "worker", nonce, workerId, pid))
          .isEqualTo(mac.doFinal());
    }
  }
}
