package dev.shopstream.functions.upload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shopstream.contract.Json;

/** Counts and the summary being built for one object. */
final class Run {
  final UploadedObject object;
  final long startMillis;
  final ObjectNode summary = Json.MAPPER.createObjectNode();
  long rowsRead;
  long published;
  long rejected;
  long bytes;

  Run(UploadedObject object, long startMillis) {
    this.object = object;
    this.startMillis = startMillis;
    summary.put("bucket", object.bucket());
    summary.put("object", object.name());
    summary.put("generation", Long.toString(object.generation()));
  }

  String counts() {
    return "rows_read=" + rowsRead + " published=" + published + " rejected=" + rejected + " bytes=" + bytes;
  }
}
