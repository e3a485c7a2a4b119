package dev.shopstream.pipeline.transforms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shopstream.contract.DeadLetter;
import dev.shopstream.contract.EventIds;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ReadFileRows}: every row of every file is one message, readable or carrying why not. */
@ExtendWith(TestPipelineExtension.class)
public class ReadFileRowsTest {
  private static final long MODIFIED = 1763800000123L;

  private transient TestPipeline pipeline;
  @TempDir transient Path folder;

  @BeforeEach
  public void pipeline(TestPipeline pipeline) {
    this.pipeline = pipeline;
  }

  private Path write(String name, String text) throws IOException {
    Path file = folder.resolve(name);
    try (OutputStream out = name.endsWith(".gz") ? new GZIPOutputStream(Files.newOutputStream(file))
        : Files.newOutputStream(file)) {
      out.write(text.getBytes(UTF_8));
    }
    Files.setLastModifiedTime(file, FileTime.fromMillis(MODIFIED));
    return file;
  }

  /**
   * Each message as "line|attributes without source_file|payload|timestamp" ("-": none), the reason in
   * source_error up to its first ": " (the detail is the parser's).
   */
  private static PCollection<String> described(PCollection<PubsubMessage> messages) {
    String name = messages.getName();
    return messages.apply(name + ".Timestamps", Reify.timestamps()).apply(name + ".Describe",
        MapElements.into(TypeDescriptors.strings())
        .via((TimestampedValue<PubsubMessage> t) -> {
          TreeMap<String, String> attributes = new TreeMap<>(t.getValue().getAttributeMap());
          String line = attributes.remove(ReadFileRows.SOURCE_LINE_ATTRIBUTE);
          attributes.remove(ReadFileRows.SOURCE_FILE_ATTRIBUTE);
          attributes.computeIfPresent(ParseEvents.SOURCE_ERROR_ATTRIBUTE,
              (k, v) -> v.contains(": ") ? v.substring(0, v.indexOf(": ")) : v);
          String time = t.getTimestamp().getMillis() < 0 ? "-" : t.getTimestamp().toString();
          return line + "|" + attributes + "|" + new String(t.getValue().getPayload(), UTF_8) + "|" + time;
        }));
  }

  @Test
  public void jsonLinesRowsGetTheUploadIdsTheirEventTimeAndTheirLine() throws Exception {
    Path file = write("part.jsonl", String.join("\n",
        "{\"event_id\":\"e-1\",\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00+01:00\"}",
        "",
        "{\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\"}",
        "{\"event_type\": ") + "\n");
    String third = "{\"event_type\":\"view\",\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\"}";
    String derived = EventIds.fromParts("r-", "", file.toString(), "3", EventIds.fromParts("", third));
    String fromObject = EventIds.fromParts("r-", "uploads", "events/part.jsonl", "3", EventIds.fromParts("", third));

    PAssert.that(described(pipeline.apply("Default", ReadFileRows.events(file.toString())))).containsInAnyOrder(
        "1|{event_id=e-1, event_time=2026-11-22T10:00:00+01:00}|{\"event_id\":\"e-1\",\"event_type\":\"view\","
            + "\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00+01:00\"}|2026-11-22T09:00:00.000Z",
        "3|{event_id=" + derived + ", event_time=2026-11-22T10:00:00Z}|{\"event_type\":\"view\",\"user_id\":\"u\","
            + "\"event_time\":\"2026-11-22T10:00:00Z\",\"event_id\":\"" + derived + "\"}|2026-11-22T10:00:00.000Z",
        "4|{source_error=is not valid JSON}|{\"event_type\": |-");
    PAssert.that(pipeline.apply("FromObject", ReadFileRows.events(file.toString())
            .withSourceObject(new ReadFileRows.SourceObject("uploads", "events/part.jsonl", 42)))
            .apply("Ids", MapElements.into(TypeDescriptors.strings()).via((PubsubMessage m) -> String.valueOf(m.getAttribute("event_id")))))
        .containsInAnyOrder("e-1", fromObject, "null");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void csvRowsFollowTheHeaderAndBadOnesCarryTheReason() throws Exception {
    Path good = write("part.csv.gz", "event_id,event_type,user_id,event_time,product_id,quantity,price\r\n"
        + "e-1,purchase,u,2026-11-22T10:00:00Z,p-1,2,9.5\r\n"
        + "e-2,view,\"u, with comma\",2026-11-22T11:00:00Z,p-2,,\r\n"
        + "e-3,view\r\n");
    Path badHeader = write("bad.csv", "event_id,colour\ne-4,red\n\ne-5,blue\n");
    Path unknown = write("notes.txt", "anything\n");

    PAssert.that(described(pipeline.apply("Good", ReadFileRows.events(good.toString())))).containsInAnyOrder(
        "2|{event_id=e-1, event_time=2026-11-22T10:00:00Z}|{\"event_id\":\"e-1\",\"event_type\":\"purchase\","
            + "\"user_id\":\"u\",\"event_time\":\"2026-11-22T10:00:00Z\",\"products\":[{\"product_id\":\"p-1\","
            + "\"quantity\":2,\"price\":9.5}]}|2026-11-22T10:00:00.000Z",
        "3|{event_id=e-2, event_time=2026-11-22T11:00:00Z}|{\"event_id\":\"e-2\",\"event_type\":\"view\","
            + "\"user_id\":\"u, with comma\",\"event_time\":\"2026-11-22T11:00:00Z\",\"products\":[{\"product_id\":"
            + "\"p-2\"}]}|2026-11-22T11:00:00.000Z",
        "4|{source_error=has 2 field(s), the header has 7}|e-3,view|-");
    PAssert.that(described(pipeline.apply("BadHeader", ReadFileRows.events(badHeader.toString()))))
        .containsInAnyOrder("2|{source_error=CSV header missing or invalid, unknown column(s) [colour]}|e-4,red|-",
            "4|{source_error=CSV header missing or invalid, unknown column(s) [colour]}|e-5,blue|-");
    PAssert.that(described(pipeline.apply("Unknown", ReadFileRows.events(unknown.toString()))))
        .containsInAnyOrder("0|{source_error=unsupported file type}||-");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void catalogRowsGetTheDefaultUpdatedAtAndUnreadableOnesAreCatalogDeadLetters() throws Exception {
    Path file = write("products.csv", "product_id,title,price,available\nsku-1,Tea,4.5,true\nsku-2,Pot,x,maybe\n");
    Path bad = write("more.jsonl", "{\"product_id\":\"sku-3\"\n");

    PCollection<DeadLetter> deadLetters = pipeline.apply("Bad", ReadFileRows.catalog(bad.toString()))
        .apply(ParseProducts.create()).get(ParseProducts.DEAD_LETTERS);
    PAssert.that(deadLetters.apply("Describe", MapElements.into(TypeDescriptors.strings())
        .via((DeadLetter d) -> d.step() + "|" + d.payload() + "|" + d.attributes().get("source_line") + "|"
            + d.error().substring(0, d.error().indexOf(": ", 3)))))
        .containsInAnyOrder("catalog|{\"product_id\":\"sku-3\"|1|$: is not valid JSON");
    PAssert.that(described(pipeline.apply("Good", ReadFileRows.catalog(file.toString())
        .withDefaultUpdatedAt("2026-11-20T09:30:00Z")))).containsInAnyOrder(
        "2|{product_id=sku-1, updated_at=2026-11-20T09:30:00Z}|{\"product_id\":\"sku-1\",\"title\":\"Tea\","
            + "\"price\":4.5,\"available\":true,\"updated_at\":\"2026-11-20T09:30:00Z\"}|-",
        "3|{product_id=sku-2, updated_at=2026-11-20T09:30:00Z}|{\"product_id\":\"sku-2\",\"title\":\"Pot\","
            + "\"price\":\"x\",\"available\":\"maybe\",\"updated_at\":\"2026-11-20T09:30:00Z\"}|-");
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void optionsThatCannotWorkAreRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> ReadFileRows.events("gs://b/events/*.jsonl")
        .withSourceObject(new ReadFileRows.SourceObject("b", "events/x.jsonl", 1)))
        .hasMessageContaining("the input must be one file");
    assertThatThrownBy(() -> ReadFileRows.catalog("c.csv").withSourceObject(new ReadFileRows.SourceObject("b", "o", 1)))
        .hasMessageContaining("only applies to events files");
    assertThatThrownBy(() -> ReadFileRows.catalog("c.csv").withDefaultUpdatedAt("yesterday"))
        .hasMessageContaining("--defaultUpdatedAt must be an RFC 3339 time");
    assertThatThrownBy(() -> ReadFileRows.events("e.jsonl").withMaxRowBytes(0))
        .hasMessageContaining("maxRowBytes must be at least 1");
  }
}
