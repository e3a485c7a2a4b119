package dev.shopstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shopstream.contract.Json;
import dev.shopstream.contract.api.ErrorReply;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code query [--data-dir DIR] SQL}: one read-only query of the local stack's warehouse, printed as a table. DuckDB
 * lets one process write a database file, and no other process open it meanwhile, so: when the file can be opened
 * (the stack is not running) it is opened read-only in this process; when it is locked by a running stack, the
 * query goes to that stack's {@code /api/query} (its URL from {@code DIR/endpoints.json}), which runs it on a
 * connection of its own, rolled back, with the same limits. Exit 0 with the table, 2 for a usage error or a
 * statement that is not one read-only query, 1 when the query fails.
 */
@Command(name = "query", sortOptions = false, // not a contract name: the command's name
    description = {"Runs one read-only SQL query (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE) on "
        + "the warehouse and prints a table.",
        "Opens DIR/warehouse.duckdb read-only, or, while a stack runs on it, asks that stack's /api/query."},
    footer = {"", "Example: java -jar local-stack/target/shopstream-local.jar query --data-dir data "
        + "\"select event_type, count(*) from events group by 1\""})
final class QueryCommand implements Callable<Integer> {
  /** How the query reaches the warehouse. */
  enum Via { AUTO, FILE, API }

  @Spec CommandSpec spec;

  @Option(names = {"--data-dir", "--data"}, paramLabel = "DIR",
      description = "the stack's data folder (default: ${DEFAULT-VALUE})")
  Path dataDir = Path.of("data");

  @Option(names = "--max-rows", paramLabel = "N",
      description = "the most rows printed, 1.." + WarehouseQuery.MAX_ROWS + " (default ${DEFAULT-VALUE})")
  int maxRows = WarehouseQuery.DEFAULT_MAX_ROWS;

  @Option(names = "--timeout", paramLabel = "DURATION", description = "the query is cancelled after this (default 30s)")
  Duration timeout = WarehouseQuery.DEFAULT_TIMEOUT;

  @Option(names = "--via", paramLabel = "auto|file|api",
      description = "auto (default): the file, or the running stack's /api/query when a stack holds the file")
  Via via = Via.AUTO;

  @Parameters(arity = "1..*", paramLabel = "SQL", description = "the query (several words are joined by spaces)")
  List<String> sql;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
  boolean help;

  /** For the API path; a test may put another. */
  HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public Integer call() throws Exception {
    String statement = String.join(" ", sql);
    try {
      WarehouseQuery.readOnlyStatement(statement);
    } catch (WarehouseQuery.NotReadOnlyException e) {
      throw new ParameterException(spec.commandLine(), "query refused: " + e.getMessage());
    }
    if (maxRows < 1 || maxRows > WarehouseQuery.MAX_ROWS) {
      throw Cli.badValue(spec, "--max-rows", maxRows, "1.." + WarehouseQuery.MAX_ROWS);
    }
    if (timeout.isZero()) {
      throw Cli.badValue(spec, "--timeout", "0s", "a positive duration");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WarehouseQuery.Result result;
    try {
      result = switch (via) {
        case FILE -> fromFile(statement);
        case API -> fromStack(statement);
        case AUTO -> {
          try {
            yield fromFile(statement);
          } catch (Locked e) {
            err.println(e.getMessage().lines().findFirst().orElse("") + "; asking the running stack's /api/query");
            err.flush();
            yield fromStack(statement);
          }
        }
      };
    } catch (Refused e) {
      throw new ParameterException(spec.commandLine(), "query refused: " + e.getMessage());
    } catch (Locked e) {
      err.println("query: " + e.getMessage());
      return 1;
    } catch (SQLException | Failed e) {
      err.println("query failed: " + e.getMessage());
      return 1;
    }
    out.print(result.table());
    out.flush();
    return 0;
  }

  private static final class Locked extends Exception {
    Locked(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private static final class Failed extends Exception {
    Failed(String message) {
      super(message);
    }
  }

  private WarehouseQuery.Result fromFile(String statement) throws SQLException, Locked, Refused, Failed {
    Path file = dataDir.resolve("warehouse.duckdb");
    if (!Files.isRegularFile(file)) {
      throw new Failed("no warehouse at " + file.toAbsolutePath() + " (start the stack once, or pass --data-dir)");
    }
    Properties p = new Properties();
    p.setProperty("duckdb.read_only", "true");
    Connection c;
    try {
      c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), p);
    } catch (SQLException e) {
      // typically "Could not set lock on file ...: Conflicting lock is held in ... (PID n)": a stack runs on it
      throw new Locked(file + " cannot be opened read-only: " + e.getMessage(), e);
    }
    try (c) {
      try (Statement s = c.createStatement()) {
        s.execute("SET TimeZone = 'UTC'");
      }
      return WarehouseQuery.run(c, statement, maxRows, timeout);
    } catch (WarehouseQuery.NotReadOnlyException e) {
      throw new Refused(e.getMessage());
    }
  }

  private WarehouseQuery.Result fromStack(String statement) throws Failed, Refused, InterruptedException {
    Path endpoints = dataDir.resolve("endpoints.json");
    String status;
    try {
      status = Json.MAPPER.readTree(Files.readString(endpoints)).path("status").asText(""); // trusted JSON: the stack's endpoints file
    } catch (java.io.IOException e) {
      throw new Failed("no running stack: " + endpoints.toAbsolutePath() + " cannot be read (" + e + ")");
    }
    if (!status.endsWith("/status")) {
      throw new Failed("no status URL in " + endpoints.toAbsolutePath());
    }
    URI uri = URI.create(status.substring(0, status.length() - "/status".length()) + "/api/query?sql="
        + URLEncoder.encode(statement, StandardCharsets.UTF_8) + "&max_rows=" + maxRows
        + "&timeout_ms=" + timeout.toMillis());
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(uri).timeout(timeout.plusSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new Failed("the running stack at " + uri.getHost() + ":" + uri.getPort() + " did not answer: " + e);
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(response.body()); // trusted JSON: the stack's answer
    } catch (java.io.IOException e) {
      throw new Failed("the stack answered " + response.statusCode() + " with no JSON");
    }
    if (response.statusCode() == 200) {
      return WarehouseQuery.Result.fromJson(body);
    }
    String message = body.path(ErrorReply.MESSAGE).asText(response.body());
    if ("not_read_only".equals(body.path(ErrorReply.ERROR).asText())) {
      throw new Refused(message);
    }
    throw new Failed(message + " (HTTP " + response.statusCode() + ")");
  }
}
