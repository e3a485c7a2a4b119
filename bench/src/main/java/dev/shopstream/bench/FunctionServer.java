package dev.shopstream.bench;

import com.google.cloud.functions.invoker.runner.Invoker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;

/**
 * One function served by the Functions Framework invoker in this JVM on a free loopback port, as the local stack
 * serves it: the benchmarked function and its baseline run on the same invoker.
 */
public final class FunctionServer implements AutoCloseable {
  private final Invoker invoker;
  private final int port;
  private final long startNanos;
  private final long startedNanos;

  private FunctionServer(Invoker invoker, int port, long startNanos, long startedNanos) {
    this.invoker = invoker;
    this.port = port;
    this.startNanos = startNanos;
    this.startedNanos = startedNanos;
  }

  /** Starts {@code target} (a class name) with the invoker's {@code signature}: {@code http} or {@code cloudevent}. */
  public static FunctionServer start(String target, String signature) throws Exception {
    int port = freePort();
    long t0 = System.nanoTime();
    Invoker invoker = new Invoker(port, target, signature, Thread.currentThread().getContextClassLoader());
    invoker.startTestServer();
    return new FunctionServer(invoker, port, t0, System.nanoTime());
  }

  public static FunctionServer http(Class<?> target) throws Exception {
    return start(target.getName(), "http");
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  public int port() {
    return port;
  }

  /** When {@link #start} was called ({@link System#nanoTime()}). */
  public long startNanos() {
    return startNanos;
  }

  /** Milliseconds the invoker took to start serving (the function class is loaded on its first request). */
  public double startMillis() {
    return (startedNanos - startNanos) / 1e6;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    invoker.stopServer();
  }
}
