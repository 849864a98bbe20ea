package dev.llmwatcher.cli;

import java.util.Arrays;

/**
 * Sets the log level before the first logger exists: {@code --debug} (or {@code LLM_WATCHER_DEBUG=true}) turns on
 * debug lines for our own packages only, so the clients' wire chatter stays out. The level reaches Log4j through a
 * system property that {@code log4j2.xml} reads when logging starts, so the code stays on the SLF4J API.
 */
final class LogSetup {

    /** The system property {@code log4j2.xml} takes the watcher's level from; it may also be given to java. */
    static final String LEVEL_PROPERTY = "llmwatcher.log.level";

    private LogSetup() {
    }

    static void configure(String[] args) {
        boolean debug = Arrays.asList(args).contains("--debug")
                || "true".equalsIgnoreCase(System.getenv("LLM_WATCHER_DEBUG"));
        if (debug) {
            System.setProperty(LEVEL_PROPERTY, "DEBUG");
        }
    }
}
