package dev.llmwatcher.cli;

import dev.llmwatcher.engine.PassListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Progress of a long drain: on a terminal, one live line rewritten in place (done/total, rate, errors, ETA); in a
 * log (systemd, a pipe), a plain line at most every {@link #LOG_EVERY} while a pass runs (the engine logs its own
 * summary at the end). Called from the pass's write-back thread.
 */
final class ProgressLine implements PassListener {

    static final Duration LOG_EVERY = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(ProgressLine.class);

    private final PrintStream terminal;
    private final Clock clock;
    private Instant started;
    private Instant lastLog;
    private long total;
    private boolean drawn;

    /** {@code terminal} is where the live line goes, or null to log plain lines instead. */
    ProgressLine(PrintStream terminal, Clock clock) {
        this.terminal = terminal;
        this.clock = clock;
    }

    static ProgressLine forConsole(Console console) {
        return new ProgressLine(System.console() != null ? console.err() : null, console.clock());
    }

    @Override
    public synchronized void started(long eligible) {
        started = clock.instant();
        lastLog = started;
        total = eligible;
        drawn = false;
    }

    @Override
    public synchronized void written(int processed, int failed) {
        if (started == null) {
            return;
        }
        Instant now = clock.instant();
        String line = line(processed, failed, total, Duration.between(started, now));
        if (terminal != null) {
            terminal.print("\r" + line + "\u001b[K");
            terminal.flush();
            drawn = true;
            if (processed + failed >= total) {
                finish();
            }
        } else if (Duration.between(lastLog, now).compareTo(LOG_EVERY) >= 0 && processed + failed < total) {
            lastLog = now;
            LOG.info("Progress: {}", line);
        }
    }

    /** Ends the live line so the next output starts on a fresh line. */
    synchronized void finish() {
        if (terminal != null && drawn) {
            terminal.println();
            drawn = false;
        }
    }

    static String line(int processed, int failed, long total, Duration elapsed) {
        int done = processed + failed;
        double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
        double rate = done / seconds;
        String eta = rate <= 0 || done >= total ? "-" : StatusCommand.age(Duration.ofSeconds(
                (long) Math.ceil((total - done) / rate)));
        return String.format("%d/%d done, %.1f docs/s, %d errors, ETA %s", done, total, rate, failed, eta);
    }
}
