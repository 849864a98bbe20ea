package dev.llmwatcher.cli;

import dev.llmwatcher.logging.LogLevels;

import java.util.Arrays;

/**
 * Sets the log level before the first logger exists: {@code --debug} (or {@code LLM_WATCHER_DEBUG=true}) turns on
 * debug lines for our own packages only, so the clients' wire chatter stays out.
 */
final class LogSetup {

    private LogSetup() {
    }

    static void configure(String[] args) {
        boolean debug = Arrays.asList(args).contains("--debug")
                || "true".equalsIgnoreCase(System.getenv("LLM_WATCHER_DEBUG"));
        if (debug) {
            LogLevels.enableDebug();
        }
    }
}
