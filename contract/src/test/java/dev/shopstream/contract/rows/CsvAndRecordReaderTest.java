package dev.shopstream.contract.rows;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvAndRecordReaderTest {
  private static List<RecordReader.Row> rows(String text, int maxBytes, boolean csv) throws IOException {
    RecordReader reader = new RecordReader(new ByteArrayInputStream(text.getBytes(UTF_8)), maxBytes, csv);
    List<RecordReader.Row> rows = new ArrayList<>();
    for (RecordReader.Row r = reader.next(); r != null; r = reader.next()) {
      rows.add(r);
    }
    return rows;
  }

  @Test
  void csvFieldsFollowRfc4180() throws Exception {
    assertThat(Csv.fields("a,\"b,c\",\"say \"\"hi\"\"\",,\"\"")).containsExactly("a", "b,c", "say \"hi\"", "", "");
    assertThat(Csv.fields("")).containsExactly("");
    assertThatThrownBy(() -> Csv.fields("a,\"b")).hasMessage("column 2: quoted field is not closed");
    assertThatThrownBy(() -> Csv.fields("a,b\"c")).hasMessage("column 2: a quote inside an unquoted field");
  }

  @Test
  void csvFieldsAreStrictWhereCommonsCsvAloneWouldBeLenient() throws Exception {
    assertThat(Csv.fields("\"x\ny\",1,\"\"\"\"")).containsExactly("x\ny", "1", "\"");
    assertThat(Csv.fields("\"\r=1\",a")).containsExactly("\r=1", "a"); // a carriage return inside quotes is data
    assertThatThrownBy(() -> Csv.fields("view,\"carol\"x,p-1"))
        .hasMessage("column 2: a closing quote must be followed by a comma");
    assertThatThrownBy(() -> Csv.fields("a,\"b\" ,c")).hasMessage("column 2: a closing quote must be followed by a comma");
    assertThatThrownBy(() -> Csv.fields("\"say \"\"hi")).hasMessage("column 1: quoted field is not closed");
    assertThatThrownBy(() -> Csv.fields("a,b,\"c")).hasMessage("column 3: quoted field is not closed");
    assertThatThrownBy(() -> Csv.fields("a\"b,\"c")).hasMessage("column 1: a quote inside an unquoted field");
    assertThatThrownBy(() -> Csv.fields("a,\r=1")).hasMessage("column 2: a line break outside quotes");
    assertThatThrownBy(() -> Csv.fields("a\r")).hasMessage("column 1: a line break outside quotes");
    assertThatThrownBy(() -> Csv.fields("a\"b\nc")).hasMessage("column 1: a quote inside an unquoted field");
  }

  @Test
  void csvLinesQuoteOnlyWhatNeedsItAndReadBack() throws Exception {
    List<String> values = List.of("plain", "a,b", "say \"hi\"", "two\nlines", "", "-1");
    String line = Csv.line(values);
    assertThat(line).startsWith("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,-1");
    assertThat(Csv.fields(line)).isEqualTo(values);
  }

  @Test
  void jsonLinesAreSplitAtLineBreaksWithLineNumbers() throws Exception {
    assertThat(rows("\uFEFFa\r\n\nb\nc", 100, false)).containsExactly(
        new RecordReader.Row(1, "a", false, false), new RecordReader.Row(2, "", false, false),
        new RecordReader.Row(3, "b", false, false), new RecordReader.Row(4, "c", false, false));
  }

  @Test
  void csvRecordsKeepQuotedLineBreaksAndStartOnTheirFirstLine() throws Exception {
    assertThat(rows("h\n\"x\ny\",1\nz\n", 100, true)).containsExactly(
        new RecordReader.Row(1, "h", false, false), new RecordReader.Row(2, "\"x\ny\",1", false, false),
        new RecordReader.Row(4, "z", false, false));
  }

  @Test
  void aTooLongRowIsCutAndTheReaderResynchronizesAtTheNextLine() throws Exception {
    assertThat(rows("short\n\"unbalanced quote and long\nnext\n", 10, true)).containsExactly(
        new RecordReader.Row(1, "short", false, false), new RecordReader.Row(2, "\"unbalance", true, false),
        new RecordReader.Row(3, "next", false, false));
  }
}
