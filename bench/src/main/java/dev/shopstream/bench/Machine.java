package dev.shopstream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The facts a figure depends on, printed above every benchmark's tables; and this process's resident memory. */
public final class Machine {
  private Machine() {}

  public static String describe() {
    Runtime rt = Runtime.getRuntime();
    return String.format("machine: %d cores, %s, JDK %s (%s), max heap %d MiB, %s %s%n",
        rt.availableProcessors(), memTotal().map(kib -> (kib / 1024 / 1024) + " GiB RAM").orElse("RAM unknown"),
        System.getProperty("java.version"), System.getProperty("java.vm.name"), rt.maxMemory() / (1 << 20),
        System.getProperty("os.name"), System.getProperty("os.arch"))
        + "jvm args: " + ManagementFactory.getRuntimeMXBean().getInputArguments();
  }

  /** Peak resident set size (VmHWM) of process {@code pid} in KiB, where /proc has it (Linux). */
  public static Optional<Long> peakRssKib(long pid) {
    return procStatus(pid, "VmHWM:");
  }

  /** Current resident set size (VmRSS) of process {@code pid} in KiB. */
  public static Optional<Long> rssKib(long pid) {
    return procStatus(pid, "VmRSS:");
  }

  private static Optional<Long> memTotal() {
    return field(Path.of("/proc/meminfo"), "MemTotal:");
  }

  private static Optional<Long> procStatus(long pid, String key) {
    return field(Path.of("/proc", Long.toString(pid), "status"), key);
  }

  private static Optional<Long> field(Path file, String key) {
    try {
      return Files.readAllLines(file).stream().filter(l -> l.startsWith(key))
          .map(l -> Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0])).findFirst();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
