package dev.shopstream.functions;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Optional pseudonymization of {@code user_id}, applied by every function that publishes events (ingest and
 * upload) after validation and before publishing, so the warehouse never holds the raw identifier: the user id
 * becomes {@code "u-"} followed by the 64 hex characters of HMAC-SHA256(key, user id). The same key gives the same
 * pseudonym in every function and every run, so a user's events still group together (sessions, activity,
 * recommendations); without the key the raw id cannot be recovered or confirmed by guessing.
 *
 * <p>The functions apply {@link #pseudonym} through {@code EventCodec.decodeAtEdge}, which derives a missing event
 * id once, after pseudonymization ({@code EventIds.Derivation}).
 *
 * <p>The key comes from {@code USER_ID_HMAC_KEY} (in the cloud a Secret Manager secret exposed to the function as
 * that variable), at least {@value #MIN_KEY_BYTES} bytes. Unset: user ids pass unchanged. The key is never logged
 * and {@link #toString} does not show it. Changing the key changes every pseudonym (old and new rows no longer
 * join): rotate it only together with the data.
 */
public final class UserIdPseudonymizer {
  public static final String KEY_SETTING = "USER_ID_HMAC_KEY";
  public static final String PREFIX = "u-";
  public static final int MIN_KEY_BYTES = 32;
  private static final String ALGORITHM = "HmacSHA256";
  private static final UserIdPseudonymizer NONE = new UserIdPseudonymizer(null);

  private final SecretKeySpec key;

  private UserIdPseudonymizer(SecretKeySpec key) {
    this.key = key;
  }

  /** User ids pass unchanged. */
  public static UserIdPseudonymizer none() {
    return NONE;
  }

  /** Pseudonyms keyed by {@code key} (at least {@value #MIN_KEY_BYTES} bytes). */
  public static UserIdPseudonymizer withKey(byte[] key) {
    if (key == null || key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("the pseudonymization key must be at least " + MIN_KEY_BYTES + " bytes");
    }
    return new UserIdPseudonymizer(new SecretKeySpec(key, ALGORITHM));
  }

  /** From {@code USER_ID_HMAC_KEY} (UTF-8 bytes of the value); {@link #none} when unset. */
  public static UserIdPseudonymizer from(Settings settings) {
    Optional<String> value = settings.optional(KEY_SETTING);
    if (value.isEmpty()) {
      return NONE;
    }
    byte[] bytes = value.get().getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_KEY_BYTES) { // the message names the setting, never the value
      throw new Settings.InvalidSettingException(KEY_SETTING + " must be at least " + MIN_KEY_BYTES
          + " bytes (e.g. 64 hex characters from `openssl rand -hex 32`), got " + bytes.length);
    }
    return withKey(bytes);
  }

  public boolean enabled() {
    return key != null;
  }

  /** The pseudonym of {@code userId}, or {@code userId} itself when disabled. */
  public String pseudonym(String userId) {
    if (key == null) {
      return userId;
    }
    try {
      Mac mac = Mac.getInstance(ALGORITHM); // a Mac is not thread-safe; one per call is cheap
      mac.init(key);
      return PREFIX + HexFormat.of().formatHex(mac.doFinal(userId.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(ALGORITHM + " is part of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return key == null ? "user ids unchanged" : "user ids pseudonymized (HMAC-SHA256, key from " + KEY_SETTING + ")";
  }
}
