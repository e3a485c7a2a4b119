package dev.shopstream.local;

import dev.shopstream.contract.cli.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The command-line convention of the local stack, the soak run and the benchmarks (picocli): {@code --help} prints
 * the usage and exits 0; an unknown option or a bad value prints the message, naming the option and the value, and
 * the usage, and exits 2; {@code --name=value} and {@code --name value} both work; durations in the one syntax of
 * {@link Durations} ({@code 30s}, {@code 5m}, {@code PT30S}).
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
    CommandLine cl = new CommandLine(command);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.registerConverter(Duration.class, DURATION);
    cl.setParameterExceptionHandler(Cli::usageError);
    return cl;
  }

  /**
   * Every usage error alike: the message (naming the option and the value), picocli's suggestions for a mistyped
   * option, then the usage; exit 2. (picocli's own handler leaves the usage out when it has a suggestion.)
   */
  public static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    java.io.PrintWriter err = cl.getErr();
    err.println(e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    cl.usage(err);
    err.flush();
    return USAGE_ERROR;
  }

  /** The exit status of a usage error. */
  public static final int USAGE_ERROR = 2;

  /** A usage error (exit 2) about one option's value, found after parsing: {@code --x: 'v' (why)}. */
  public static ParameterException badValue(CommandSpec spec, String option, Object value, String expected) {
    return new ParameterException(spec.commandLine(),
        "Invalid value for option '" + option + "': '" + value + "' (" + expected + ")");
  }

  /** A port number 0..65535 (0 picks a free port). */
  public static int port(CommandSpec spec, String option, int value) {
    if (value < 0 || value > 65535) {
      throw badValue(spec, option, value, "a port number 0..65535");
    }
    return value;
  }
}
