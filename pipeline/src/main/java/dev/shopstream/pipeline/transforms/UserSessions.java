package dev.shopstream.pipeline.transforms;

import dev.shopstream.contract.Event;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;

/**
 * One user's kept sessions, the single state value of {@link SessionizeEvents}' stateful step: sessions whose windows
 * {@code [first, last + gap)} (timestamps in millis) are disjoint, ordered by {@code first}, each with its
 * {@link SessionizeEvents.Summary}, whether its row went out as final once ({@code closed}: the watermark passed its
 * end) and whether it changed since its last row ({@code dirty}); the newest event-time timer that fired for the user
 * (a lower bound of the watermark, the only one a stateful step gets), the pending close timer and whether a flush
 * timer is pending. Usually one session; several while out-of-order events are still to bridge them, or after a late
 * one.
 */
final class UserSessions {
  static final long NONE = Long.MIN_VALUE;

  /** A session: its events' timestamps span {@code [first, last]}. */
  static final class Session {
    long first;
    long last;
    final SessionizeEvents.Summary summary;
    boolean closed;
    boolean dirty;

    Session(long first, long last, SessionizeEvents.Summary summary) {
      this.first = first;
      this.last = last;
      this.summary = summary;
    }

    /** When its on-time row is due (its window's max timestamp), or, once closed, when it is forgotten. */
    long due(long gap, long allowedLateness) {
      long end = last + gap - 1;
      return closed ? end + allowedLateness : end;
    }
  }

  /** The outcome of {@link #add}: the session the event is in now, and whether its row is late. */
  record Added(Session session, boolean late) {}

  final List<Session> sessions = new ArrayList<>(2);
  long watermarkSeen = NONE;
  long closeTimer = NONE;
  boolean flushPending;

  /**
   * Adds an event with timestamp {@code t}: into the kept session whose window overlaps {@code [t, t + gap)} (as
   * Beam's {@code Sessions} merges windows), merging any other such session into it (an event that bridges two), or
   * as a new session. The row is late, and the session closed, when a merged session was closed already or when the
   * session's end is behind the watermark this user has seen.
   */
  Added add(Event event, long t, long gap) {
    Session target = null;
    boolean wasClosed = false;
    for (int i = 0; i < sessions.size(); ) {
      Session o = sessions.get(i);
      if (o.first < t + gap && t < o.last + gap) {
        wasClosed |= o.closed;
        if (target == null) {
          target = o;
          target.summary.add(event);
          target.first = Math.min(target.first, t);
          target.last = Math.max(target.last, t);
          i++;
        } else {
          target.summary.merge(o.summary);
          target.first = Math.min(target.first, o.first);
          target.last = Math.max(target.last, o.last);
          sessions.remove(i);
        }
      } else {
        i++;
      }
    }
    if (target == null) {
      SessionizeEvents.Summary summary = new SessionizeEvents.Summary();
      summary.add(event);
      target = new Session(t, t, summary);
      int at = 0;
      while (at < sessions.size() && sessions.get(at).first < t) {
        at++;
      }
      sessions.add(at, target);
    }
    // once its final row went out, every change is a late row, also when the event moved its end past the watermark
    target.closed = wasClosed || watermarkSeen != NONE && target.last + gap - 1 <= watermarkSeen;
    return new Added(target, target.closed);
  }

  /** The earliest {@link Session#due} of the kept sessions; {@link #NONE} when there are none. */
  long nextDue(long gap, long allowedLateness) {
    long next = NONE;
    for (Session s : sessions) {
      long due = s.due(gap, allowedLateness);
      next = next == NONE || due < next ? due : next;
    }
    return next;
  }

  /** {@link UserSessions} in a compact binary form (the summaries through {@link SessionizeEvents.SummaryCoder}). */
  static final class Coder extends AtomicCoder<UserSessions> {
    static final Coder INSTANCE = new Coder();
    private static final int VERSION = 1;

    @Override
    public void encode(UserSessions u, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeByte(VERSION);
      data.writeLong(u.watermarkSeen);
      data.writeLong(u.closeTimer);
      data.writeBoolean(u.flushPending);
      data.writeInt(u.sessions.size());
      for (Session s : u.sessions) {
        data.writeLong(s.first);
        data.writeLong(s.last);
        data.writeBoolean(s.closed);
        data.writeBoolean(s.dirty);
        data.flush();
        SessionizeEvents.SummaryCoder.INSTANCE.encode(s.summary, out);
      }
      data.flush();
    }

    @Override
    public UserSessions decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      int version = data.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException("unknown sessions state version " + version);
      }
      UserSessions u = new UserSessions();
      u.watermarkSeen = data.readLong();
      u.closeTimer = data.readLong();
      u.flushPending = data.readBoolean();
      int n = data.readInt();
      for (int i = 0; i < n; i++) {
        long first = data.readLong();
        long last = data.readLong();
        boolean closed = data.readBoolean();
        boolean dirty = data.readBoolean();
        Session s = new Session(first, last, SessionizeEvents.SummaryCoder.INSTANCE.decode(in));
        s.closed = closed;
        s.dirty = dirty;
        u.sessions.add(s);
      }
      return u;
    }
  }
}
