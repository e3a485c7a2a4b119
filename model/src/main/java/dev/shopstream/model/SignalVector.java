package dev.shopstream.model;

import java.io.Serializable;
import java.util.Arrays;

/** One non-negative number per {@link Signal} (immutable). */
public final class SignalVector implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final SignalVector ZERO = new SignalVector(new double[Signal.values().length]);

  private final double[] values;

  private SignalVector(double[] values) {
    this.values = values;
  }

  public static SignalVector of(double coView, double coCart, double coPurchase, double combined) {
    return of(coView, coCart, coPurchase, combined, 0);
  }

  public static SignalVector of(double coView, double coCart, double coPurchase, double combined, double next) {
    return new SignalVector(new double[] {coView, coCart, coPurchase, combined, next});
  }

  public double get(Signal signal) {
    return values[signal.ordinal()];
  }

  /**
   * A vector restored from state written before a signal was added has fewer values: the missing ones are 0 (the
   * pipeline's state survives the upgrade that added {@link Signal#NEXT}).
   */
  private Object readResolve() {
    int n = Signal.values().length;
    return values.length == n ? this : new SignalVector(Arrays.copyOf(values, n));
  }

  public SignalVector with(Signal signal, double value) {
    double[] copy = values.clone();
    copy[signal.ordinal()] = value;
    return new SignalVector(copy);
  }

  public SignalVector plus(SignalVector other) {
    double[] sum = values.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.values[i];
    }
    return new SignalVector(sum);
  }

  /** Element-wise maximum (counts only grow, so the maximum of two reports is the newer one). */
  public SignalVector max(SignalVector other) {
    double[] m = values.clone();
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.max(m[i], other.values[i]);
    }
    return new SignalVector(m);
  }

  public boolean isZero() {
    for (double v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignalVector other && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    for (Signal signal : Signal.values()) {
      if (s.length() > 1) {
        s.append(", ");
      }
      s.append(signal.wireName()).append('=').append(get(signal));
    }
    return s.append('}').toString();
  }
}
