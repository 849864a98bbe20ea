package dev.llmwatcher.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.io.PrintStream;
import java.io.Serial;
import java.time.LocalDateTime;

/**
 * One line per event on standard error, as the original script and slf4j-simple wrote them:
 * {@code 2026-11-25 23:09:21 INFO Found 5 documents in llm-queue to process}, local time, then the stack trace of a
 * throwable if there is one. {@code System.err} is looked up on every line (tests swap it). Lines from different
 * threads never interleave.
 */
final class ConsoleLogger extends LegacyAbstractLogger {

    @Serial
    private static final long serialVersionUID = 1L;
    private static final Object WRITING = new Object();

    private final int threshold;

    ConsoleLogger(String name, Level threshold) {
        this.name = name;
        this.threshold = threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
        String line = timestamp(LocalDateTime.now()) + ' ' + level.name() + ' '
                + MessageFormatter.basicArrayFormat(messagePattern, arguments);
        PrintStream err = System.err;
        synchronized (WRITING) {
            err.println(line);
            if (throwable != null) {
                throwable.printStackTrace(err);
            }
            err.flush();
        }
    }

    /** {@code yyyy-MM-dd HH:mm:ss} without a formatter: a locale-sensitive one is what made slf4j-simple slow to start. */
    static String timestamp(LocalDateTime time) {
        StringBuilder out = new StringBuilder(19);
        pad(out, time.getYear(), 4).append('-');
        pad(out, time.getMonthValue(), 2).append('-');
        pad(out, time.getDayOfMonth(), 2).append(' ');
        pad(out, time.getHour(), 2).append(':');
        pad(out, time.getMinute(), 2).append(':');
        return pad(out, time.getSecond(), 2).toString();
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }
}
