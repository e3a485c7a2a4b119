package dev.shopstream.datagen;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes records (each one or more lines) to numbered part files {@code <prefix>-00000.<ext>[.gz]}, starting a new
 * part after {@code recordsPerFile} records; CSV parts each start with the header.
 */
final class PartWriter implements AutoCloseable {
  private final Path dir;
  private final String prefix;
  private final String extension;
  private final boolean gzip;
  private final long recordsPerFile;
  private final String header;
  private final List<Path> files = new ArrayList<>();
  private Writer out;
  private long inPart;

  PartWriter(Path dir, String prefix, String extension, boolean gzip, long recordsPerFile, String header) {
    this.dir = dir;
    this.prefix = prefix;
    this.extension = extension;
    this.gzip = gzip;
    this.recordsPerFile = recordsPerFile;
    this.header = header;
  }

  void write(List<String> lines) throws IOException {
    if (out == null || inPart >= recordsPerFile) {
      roll();
    }
    for (String line : lines) {
      out.write(line);
      out.write('\n');
    }
    inPart++;
  }

  private void roll() throws IOException {
    if (out != null) {
      out.close();
    }
    Files.createDirectories(dir);
    Path file = dir.resolve(String.format("%s-%05d.%s%s", prefix, files.size(), extension, gzip ? ".gz" : ""));
    files.add(file);
    out = open(file, gzip);
    inPart = 0;
    if (header != null) {
      out.write(header);
      out.write('\n');
    }
  }

  static Writer open(Path file, boolean gzip) throws IOException {
    OutputStream os = Files.newOutputStream(file);
    if (gzip) {
      os = new GZIPOutputStream(os, 1 << 16);
    }
    return new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
  }

  List<Path> files() {
    return files;
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
