package dev.shopstream.pipeline.coders;

import static dev.shopstream.pipeline.coders.Codings.NULLABLE_STRING;
import static dev.shopstream.pipeline.coders.Codings.STRING;

import dev.shopstream.contract.DeadLetter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;

/** A compact, deterministic binary coder for {@link DeadLetter}, consistent with {@code equals}. */
public final class DeadLetterCoder extends AtomicCoder<DeadLetter> {
  private static final DeadLetterCoder INSTANCE = new DeadLetterCoder();

  private DeadLetterCoder() {}

  public static DeadLetterCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(DeadLetter d, OutputStream out) throws IOException {
    NULLABLE_STRING.encode(d.eventId(), out);
    STRING.encode(d.payload(), out);
    Codings.writeStringMap(d.attributes(), out);
    STRING.encode(d.error(), out);
    STRING.encode(d.step(), out);
    Codings.writeInstant(d.failedAt(), out);
  }

  @Override
  public DeadLetter decode(InputStream in) throws IOException {
    return new DeadLetter(NULLABLE_STRING.decode(in), STRING.decode(in), Codings.readStringMap(in),
        STRING.decode(in), STRING.decode(in), Codings.readInstant(in));
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
