package dev.shopstream.local;

import dev.shopstream.contract.cli.CommandLines;
import dev.shopstream.contract.cli.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The command-line convention ({@link CommandLines}) of the local stack, the soak run and the benchmarks, with their
 * converters: durations in the one syntax of {@link Durations} ({@code 30s}, {@code 5m}, {@code PT30S}), enum values
 * in any case.
 */
public final class Cli {
  /** {@link Durations#parse} as picocli's converter: a bad duration is a usage error naming option and value. */
  public static final CommandLine.ITypeConverter<Duration> DURATION = text -> {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  };

  private Cli() {}

  /** {@code command} (and its subcommands) with the convention's converters and settings. */
  public static CommandLine of(Object command) {
    CommandLine cl = CommandLines.of(command);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.registerConverter(Duration.class, DURATION);
    return cl;
  }

  /** A usage error (exit 2) about one option's value, found after parsing: {@code --x: 'v' (why)}. */
  public static ParameterException badValue(CommandSpec spec, String option, Object value, String expected) {
    return CommandLines.badValue(spec, option, value, expected);
  }

  /** A port number 0..65535 (0 picks a free port). */
  public static int port(CommandSpec spec, String option, int value) {
    return CommandLines.port(spec, option, value);
  }
}
