package dev.shopstream.warehouse.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.TableSchema;
import dev.shopstream.contract.TableSchema.Column;
import dev.shopstream.contract.TableSchema.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL {@link DuckDbWarehouse} runs, generated from the contract's table schemas: tables in DuckDB types, the
 * multi-row statements, the staging tables and the statements that move staged rows into the tables, and the
 * values bound to them.
 */
final class DuckDbSql {
  private DuckDbSql() {}

  static String stagingTable(TableSchema t) {
    return "staging_" + t.name();
  }

  /**
   * The temporary staging table of a contract table: the same columns, without constraints, in the type of the
   * value {@link #jdbcValue} binds: text for timestamps, JSON and nested columns (cast when moved into the table).
   */
  static String stagingTableSql(TableSchema t) {
    List<String> defs = new ArrayList<>();
    for (Column c : t.columns()) {
      defs.add(c.name() + " " + stagingType(c));
    }
    return "CREATE TEMP TABLE IF NOT EXISTS " + stagingTable(t) + " (" + String.join(", ", defs) + ")";
  }

  static String stagingType(Column c) {
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      return "VARCHAR";
    }
    return switch (c.type()) {
      case INT64 -> "BIGINT";
      case FLOAT64 -> "DOUBLE";
      case BOOL -> "BOOLEAN";
      default -> "VARCHAR";
    };
  }

  /**
   * Moves the staging table's rows into the table, with the casts of {@link #insertSql}; into an upsert table with a
   * plain {@code INSERT} (after {@link #stagedDeleteSql}), else with the verb of {@link #insertSql}.
   */
  static String stagedInsertSql(TableSchema t) {
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (Column c : t.columns()) {
      names.add(c.name());
      values.add(cast(c, c.name()));
    }
    return (t.upsert() ? "INSERT INTO " : verb(t)) + t.name() + " (" + String.join(", ", names) + ") SELECT "
        + String.join(", ", values) + " FROM temp.main." + stagingTable(t);
  }

  /** Deletes the rows of an upsert table whose key is in the staging table (compared in the table's types). */
  static String stagedDeleteSql(TableSchema t) {
    List<String> same = new ArrayList<>();
    for (String key : t.primaryKey()) {
      same.add("t." + key + " = " + cast(t.column(key), "s." + key));
    }
    return "DELETE FROM " + t.name() + " t USING temp.main." + stagingTable(t) + " s WHERE "
        + String.join(" AND ", same);
  }

  /** {@code CREATE TABLE IF NOT EXISTS} for a contract table, in DuckDB types. */
  static String createTableSql(TableSchema t) {
    List<String> defs = new ArrayList<>();
    for (Column c : t.columns()) {
      defs.add(c.name() + " " + duckType(c) + (c.mode() == Mode.REQUIRED ? " NOT NULL" : ""));
    }
    if (!t.primaryKey().isEmpty()) {
      defs.add("PRIMARY KEY (" + String.join(", ", t.primaryKey()) + ")");
    }
    return "CREATE TABLE IF NOT EXISTS " + t.name() + " (\n  " + String.join(",\n  ", defs) + "\n)";
  }

  static String duckType(Column c) {
    String base = switch (c.type()) {
      case STRING -> "VARCHAR";
      case INT64 -> "BIGINT";
      case FLOAT64 -> "DOUBLE";
      case BOOL -> "BOOLEAN";
      case TIMESTAMP -> "TIMESTAMPTZ";
      case JSON -> "JSON";
      case RECORD -> "STRUCT(" + c.fields().stream().map(f -> f.name() + " " + duckType(f))
          .collect(Collectors.joining(", ")) + ")";
    };
    return c.mode() == Mode.REPEATED ? base + "[]" : base;
  }

  static String insertSql(TableSchema t, int rows) {
    List<String> names = new ArrayList<>();
    List<String> params = new ArrayList<>();
    for (Column c : t.columns()) {
      names.add(c.name());
      params.add(param(c));
    }
    String values = "(" + String.join(", ", params) + ")";
    return verb(t) + t.name() + " (" + String.join(", ", names) + ") VALUES "
        + String.join(", ", java.util.Collections.nCopies(rows, values));
  }

  static String verb(TableSchema t) {
    return t.primaryKey().isEmpty() ? "INSERT INTO "
        : t.upsert() ? "INSERT OR REPLACE INTO " : "INSERT OR IGNORE INTO ";
  }

  /** A placeholder with the cast that turns the row value (text for timestamps, JSON for nested) into the type. */
  static String param(Column c) {
    return cast(c, "?");
  }

  /** {@code operand} (a placeholder or a staging column) with the cast that turns it into the column's type. */
  static String cast(Column c, String operand) {
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      return "from_json(" + operand + "::JSON, '" + jsonStructure(c).replace("'", "''") + "')";
    }
    return switch (c.type()) {
      case TIMESTAMP -> operand + "::TIMESTAMPTZ";
      case JSON -> operand + "::JSON";
      default -> operand;
    };
  }

  /**
   * DuckDB's from_json structure for a column: its DuckDB type as a JSON string, a record's as an object of its
   * fields' structures, a repeated column's as a list of one element's (the events' products:
   * {@code [{"<field>":"VARCHAR", ...}]}).
   */
  static String jsonStructure(Column c) {
    String base;
    if (c.type() == TableSchema.Type.RECORD) {
      base = c.fields().stream().map(f -> "\"" + f.name() + "\":" + jsonStructure(f))
          .collect(Collectors.joining(",", "{", "}"));
    } else {
      base = "\"" + duckType(new Column(c.name(), c.type(), Mode.NULLABLE, "", List.of())) + "\"";
    }
    return c.mode() == Mode.REPEATED ? "[" + base + "]" : base;
  }

  static Object jdbcValue(Column c, Object value) {
    if (value == null) {
      return c.mode() == Mode.REPEATED ? "[]" : null;
    }
    if (c.type() == TableSchema.Type.RECORD || c.mode() == Mode.REPEATED) {
      try {
        return Json.MAPPER.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("column " + c.name() + ": cannot write value as JSON", e);
      }
    }
    return value instanceof java.time.Instant ? value.toString() : value;
  }
}
