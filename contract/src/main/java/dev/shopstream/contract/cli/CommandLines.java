package dev.shopstream.contract.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The convention of every command line here (picocli): {@code --help} prints the usage and exits 0; an unknown option
 * or a bad value prints the message, naming the option and the value, picocli's suggestions for a mistyped option
 * and the usage, and exits {@value #USAGE_ERROR}; {@code --name=value} and {@code --name value} both work.
 *
 * <p>picocli is an optional dependency of {@code contract}: only the command lines, which declare it, load this class
 * (the function bundles do not carry it).
 */
public final class CommandLines {
  /** The exit status of a usage error. */
  public static final int USAGE_ERROR = 2;

  private CommandLines() {}

  /** {@code command} (and the subcommands it declares) with the convention's usage-error handler. */
  public static CommandLine of(Object command) {
    CommandLine cl = new CommandLine(command);
    cl.setParameterExceptionHandler(CommandLines::usageError);
    return cl;
  }

  /**
   * Every usage error alike: the message, the suggestions for a mistyped option, then the usage; exit
   * {@value #USAGE_ERROR}. (picocli's own handler leaves the usage out when it has a suggestion.)
   */
  public static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    cl.usage(err);
    err.flush();
    return USAGE_ERROR;
  }

  /** A usage error about one option's value, found after parsing: {@code --x: 'v' (why)}. */
  public static ParameterException badValue(CommandSpec spec, String option, Object value, String expected) {
    return new ParameterException(spec.commandLine(),
        "Invalid value for option '" + option + "': '" + value + "' (" + expected + ")");
  }

  /** A port number 0..65535 (0 picks a free port), else a usage error naming the option. */
  public static int port(CommandSpec spec, String option, int value) {
    if (value < 0 || value > 65535) {
      throw badValue(spec, option, value, "a port number 0..65535");
    }
    return value;
  }
}
