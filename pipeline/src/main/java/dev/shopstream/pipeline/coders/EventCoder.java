package dev.shopstream.pipeline.coders;

import static dev.shopstream.pipeline.coders.Codings.NULLABLE_STRING;
import static dev.shopstream.pipeline.coders.Codings.STRING;
import static dev.shopstream.pipeline.coders.Codings.VAR_INT;
import static dev.shopstream.pipeline.coders.Codings.VAR_LONG;

import dev.shopstream.contract.Event;
import dev.shopstream.contract.EventType;
import dev.shopstream.contract.ProductLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.NullableCoder;

/**
 * A compact, deterministic binary coder for {@link Event}: field by field, no class names, no schema validation on
 * decode (unlike a round trip through the contract's JSON), and consistent with {@code equals}.
 */
public final class EventCoder extends AtomicCoder<Event> {
  private static final EventCoder INSTANCE = new EventCoder();
  private static final Coder<Double> NULLABLE_DOUBLE = NullableCoder.of(DoubleCoder.of());

  private EventCoder() {}

  public static EventCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(Event e, OutputStream out) throws IOException {
    STRING.encode(e.eventId(), out);
    STRING.encode(e.eventType().wireName(), out);
    STRING.encode(e.userId(), out);
    NULLABLE_STRING.encode(e.sessionId(), out);
    Codings.writeInstant(e.eventTime(), out);
    VAR_INT.encode(e.products().size(), out);
    for (ProductLine p : e.products()) {
      STRING.encode(p.productId(), out);
      VAR_LONG.encode(p.quantity(), out);
      NULLABLE_DOUBLE.encode(p.price(), out);
    }
    NULLABLE_STRING.encode(e.currency(), out);
    NULLABLE_STRING.encode(e.query(), out);
    Codings.writeStringMap(e.attributes(), out);
  }

  @Override
  public Event decode(InputStream in) throws IOException {
    String eventId = STRING.decode(in);
    EventType type = EventType.fromWireName(STRING.decode(in));
    String userId = STRING.decode(in);
    String sessionId = NULLABLE_STRING.decode(in);
    Instant eventTime = Codings.readInstant(in);
    int count = VAR_INT.decode(in);
    List<ProductLine> products = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      products.add(new ProductLine(STRING.decode(in), VAR_LONG.decode(in), NULLABLE_DOUBLE.decode(in)));
    }
    String currency = NULLABLE_STRING.decode(in);
    String query = NULLABLE_STRING.decode(in);
    return new Event(eventId, type, userId, sessionId, eventTime, products, currency, query,
        Codings.readStringMap(in));
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
