package dev.shopstream.datagen;

import dev.shopstream.contract.cli.CommandLines;
import dev.shopstream.contract.cli.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * datagen's command lines with the convention of every command line here ({@link CommandLines}: {@code --help} exits
 * 0; an unknown option or a bad value prints the message naming the option and the value, and the usage, and exits
 * 2) and its converters: durations in {@link Durations}' one syntax.
 */
final class Cli {
  private Cli() {}

  /** {@code command} and its subcommands (added before) with the convention's converters and handlers. */
  static CommandLine configure(CommandLine cl) {
    cl.registerConverter(Duration.class, text -> {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    });
    cl.setParameterExceptionHandler(CommandLines::usageError);
    cl.setExecutionExceptionHandler((e, c, parsed) -> {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      c.getErr().println(c.getCommandName() + ": failed: " + e);
      c.getErr().flush();
      return 1;
    });
    return cl;
  }

  /** A usage error (exit 2) about one option's value, found after parsing. */
  static ParameterException badValue(CommandSpec spec, String option, Object value, String expected) {
    return CommandLines.badValue(spec, option, value, expected);
  }

  static long range(CommandSpec spec, String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw badValue(spec, option, value, "between " + min + " and " + max);
    }
    return value;
  }

  static double range(CommandSpec spec, String option, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw badValue(spec, option, value, "between " + min + " and " + max);
    }
    return value;
  }
}
