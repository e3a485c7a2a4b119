package dev.shopstream.datagen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
  static List<List<String>> readAll(String text) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    try (CsvReader r = new CsvReader(new StringReader(text))) {
      List<String> row;
      while ((row = r.next()) != null) {
        rows.add(row);
      }
    }
    return rows;
  }

  @Test
  void readsQuotedCommasQuotesAndLineBreaks() throws IOException {
    assertThat(readAll("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\nlast,\"\",z"))
        .containsExactly(List.of("a", "b", "c"), List.of("x, y", "say \"hi\"", "two\nlines"), List.of("", "", ""),
            List.of("last", "", "z"));
  }

  @Test
  void keepsAStrayQuoteInAnUnquotedField() throws IOException {
    assertThat(readAll("5\" ruler,1\n")).containsExactly(List.of("5\" ruler", "1"));
  }

  @Test
  void tracksRecordLines() throws IOException {
    try (CsvReader r = new CsvReader(new StringReader("a\n\"b\nc\"\nd\n"))) {
      r.next();
      r.next();
      assertThat(r.recordLine()).isEqualTo(2);
      assertThat(r.next()).containsExactly("d");
      assertThat(r.recordLine()).isEqualTo(4);
    }
  }

  @Test
  void anUnclosedQuoteIsAnError() {
    assertThatThrownBy(() -> readAll("a,\"open\n")).isInstanceOf(CsvReader.CsvException.class)
        .hasMessageContaining("line 1");
  }

  @Test
  void writesWhatItReads() throws IOException {
    List<String> values = List.of("plain", "with, comma", "with \"quote\"", "line\nbreak", "");
    assertThat(readAll(CsvReader.line(values) + "\n")).containsExactly(values);
  }
}
