package dev.llmwatcher.logging;

import org.slf4j.event.Level;

/**
 * Which lines are written: warnings and errors from everyone, information from the watcher's own packages, and their
 * debug lines too once {@link #enableDebug()} has been called ({@code --debug}, {@code LLM_WATCHER_DEBUG=true}), so
 * the libraries' chatter stays out. A logger's level is fixed when it is made, so debug must be enabled first thing.
 */
public final class LogLevels {

    /** The system property {@link #enableDebug()} sets; it may also be given on the java command line. */
    public static final String DEBUG_PROPERTY = "llmwatcher.log.debug";
    private static final String OWN_PACKAGES = "dev.llmwatcher";

    private LogLevels() {
    }

    /** Debug lines for the watcher's own packages, in loggers made from now on. */
    public static void enableDebug() {
        System.setProperty(DEBUG_PROPERTY, "true");
    }

    static Level threshold(String loggerName) {
        boolean own = loggerName.equals(OWN_PACKAGES) || loggerName.startsWith(OWN_PACKAGES + ".");
        if (!own) {
            return Level.WARN;
        }
        return Boolean.getBoolean(DEBUG_PROPERTY) ? Level.DEBUG : Level.INFO;
    }
}
